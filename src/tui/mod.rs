//! The terminal console; so far its keymap, loaded and checked before raw mode starts.

pub mod keymap;
