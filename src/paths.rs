//! Where orderdeck keeps its files by default.

use directories::ProjectDirs;

pub fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "orderdeck")
}
