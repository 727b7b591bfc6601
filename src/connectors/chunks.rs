//! A JSON body read from a reader a large chunk at a time, each value in it
//! parsed by serde_json from memory. serde_json reading straight from a
//! reader takes one byte at a time and copies every byte of a raw value as
//! it goes, several times slower than on a slice; an export of a million
//! orders spent more time finding where each order ends than parsing it.
//! Memory stays that of one chunk (or of the largest value, if larger).

use std::collections::BTreeMap;
use std::io::{self, Read};

use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

/// Enough for some hundreds of orders; grown when one value is larger.
pub(super) const CHUNK: usize = 1 << 20;
/// The first read's size: the buffer starts here and doubles while reads
/// fill it, up to the chunk, so a webhook's few kilobytes do not cost a
/// zeroed megabyte while a large file is soon read a chunk at a time.
const FIRST_READ: usize = 16 << 10;

/// The syntax a value or a separator is part of, opened as far as it is
/// (`[0` for a separator between elements), so that its error is the one
/// serde_json gives there: it words some errors differently by what it was
/// reading into.
#[derive(Clone, Copy)]
pub(super) enum Inside {
    /// Nothing: the body's one value, or what follows it.
    Top(&'static [u8]),
    /// A list of elements kept as raw JSON.
    List(&'static [u8]),
    /// An object whose members' values are skipped.
    Object(&'static [u8]),
}

pub(super) struct Chunks<R> {
    reader: R,
    buf: Vec<u8>,
    /// The size `buf` grows to while reads fill it.
    chunk: usize,
    /// `buf[..filled]` holds bytes read; `buf[at..filled]` those not used.
    filled: usize,
    at: usize,
    ended: bool,
    /// While set, nothing read is let go, so the body can be read again
    /// from its start ([`Chunks::rewound`]).
    keep_all: bool,
    /// Where `buf[0]` is in the body, for error messages: newlines before
    /// it, and bytes since the last of them.
    lines_before: u64,
    column_before: u64,
}

impl<R: Read> Chunks<R> {
    pub(super) fn new(reader: R, capacity: usize) -> Self {
        Chunks {
            reader,
            buf: vec![0; capacity.clamp(1, FIRST_READ)],
            chunk: capacity.max(1),
            filled: 0,
            at: 0,
            ended: false,
            keep_all: true,
            lines_before: 0,
            column_before: 0,
        }
    }

    /// From here on, what has been used may be let go.
    pub(super) fn stream_from_here(&mut self) {
        self.keep_all = false;
    }

    /// The whole body again, as a reader: only while [`Chunks::stream_from_here`]
    /// has not been called.
    pub(super) fn rewound(self) -> impl Read {
        debug_assert!(self.keep_all);
        let Chunks {
            reader,
            mut buf,
            filled,
            ..
        } = self;
        buf.truncate(filled);
        io::Cursor::new(buf).chain(reader)
    }

    /// Reads more of the body; `false` at its end.
    fn fill(&mut self) -> io::Result<bool> {
        if !self.keep_all && self.at > 0 {
            let (lines, column) = self.position_of(self.at);
            self.lines_before = lines;
            self.column_before = column;
            self.buf.copy_within(self.at..self.filled, 0);
            self.filled -= self.at;
            self.at = 0;
        }
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.ended = true;
                    return Ok(false);
                }
                Ok(read) => {
                    self.filled += read;
                    if self.filled == self.buf.len() && self.buf.len() < self.chunk {
                        let grown = (self.buf.len() * 2).min(self.chunk);
                        self.buf.resize(grown, 0);
                    }
                    return Ok(true);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// The next byte that is not whitespace, left unused; `None` at the end.
    pub(super) fn peek(&mut self) -> Result<Option<u8>, serde_json::Error> {
        loop {
            while let Some(&byte) = self.buf[self.at..self.filled].first() {
                if !matches!(byte, b' ' | b'\n' | b'\t' | b'\r') {
                    return Ok(Some(byte));
                }
                self.at += 1;
            }
            if !self.fill().map_err(serde_json::Error::io)? {
                return Ok(None);
            }
        }
    }

    /// Uses the byte [`Chunks::peek`] returned.
    pub(super) fn bump(&mut self) {
        self.at += 1;
    }

    /// The JSON value that starts at the next byte that is not whitespace.
    pub(super) fn value<T: DeserializeOwned>(
        &mut self,
        inside: Inside,
    ) -> Result<T, serde_json::Error> {
        loop {
            let unused = &self.buf[self.at..self.filled];
            let mut values = serde_json::Deserializer::from_slice(unused).into_iter::<T>();
            match values.next() {
                // A number that ends where the bytes read so far end may go
                // on in the next chunk.
                Some(Ok(value)) if values.byte_offset() < unused.len() || self.ended => {
                    self.at += values.byte_offset();
                    return Ok(value);
                }
                Some(Err(err)) if !err.is_eof() || self.ended => {
                    return Err(self.placed(inside));
                }
                None if self.ended => return Err(self.placed(inside)),
                _ => {
                    self.fill().map_err(serde_json::Error::io)?;
                }
            }
        }
    }

    /// The error serde_json gives for what is unused, read `inside` its
    /// syntax to the end of the body, with the line and column it has in
    /// the whole body: serde_json numbers them within the slice it is given,
    /// so the unused bytes are read again after as many newlines and spaces
    /// as the body had before them.
    pub(super) fn placed(&self, inside: Inside) -> serde_json::Error {
        let opening = match inside {
            Inside::Top(opening) | Inside::List(opening) | Inside::Object(opening) => opening,
        };
        let (lines, column) = self.position_of(self.at);
        let column = if lines == 0 {
            column.saturating_sub(opening.len() as u64)
        } else {
            column
        };
        let place = io::repeat(b'\n')
            .take(lines)
            .chain(io::repeat(b' ').take(column));
        let again = opening.chain(place).chain(&self.buf[self.at..self.filled]);
        let read = match inside {
            Inside::Top(_) => serde_json::from_reader::<_, IgnoredAny>(again).map(drop),
            Inside::List(_) => serde_json::from_reader::<_, Vec<Box<RawValue>>>(again).map(drop),
            Inside::Object(_) => {
                serde_json::from_reader::<_, BTreeMap<String, IgnoredAny>>(again).map(drop)
            }
        };
        match read {
            Err(err) => err,
            // Only ever called for bytes that do not read there.
            Ok(()) => serde_json::Error::io(io::Error::other("unreadable JSON")),
        }
    }

    fn position_of(&self, at: usize) -> (u64, u64) {
        let head = &self.buf[..at];
        match head.iter().rposition(|&byte| byte == b'\n') {
            Some(last) => (
                self.lines_before + head.iter().filter(|&&byte| byte == b'\n').count() as u64,
                (at - last - 1) as u64,
            ),
            None => (self.lines_before, self.column_before + at as u64),
        }
    }
}
