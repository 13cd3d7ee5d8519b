//! Claude Desktop: strict JSON, `mcpServers`, stdio only (no remote entries in its config).
//!
//! Where its file is: `~/Library/Application Support/Claude/` on macOS; on Windows
//! `%APPDATA%\Claude\` for the classic (Squirrel) install, but the MSIX build (the default
//! download since about 2026-02) runs with its roaming data redirected to
//! `%LOCALAPPDATA%\Packages\Claude_<publisher id>\LocalCache\Roaming\Claude\` and reads the file
//! there (clients.md §12: user reports in anthropics/claude-code#26073, add-mcp#114). So when
//! such a package folder exists, that file is the one written, listed and checked, and the path
//! every report and `tray-mcp clients` show says which install it is.

use std::path::{Path, PathBuf};

use super::{Headless, Shape, StdClient};
use crate::config::format::Format;
use crate::paths::{Environment, Os};

/// Anthropic's desktop app.
pub const CLAUDE_DESKTOP: StdClient = StdClient {
    id: "claude",
    aliases: &["claude-desktop", "claudedesktop"],
    name: "Claude Desktop",
    format: Format::Json,
    user_file: |environment| environment.join(&config_folder(environment), &["claude_desktop_config.json"]),
    project_file: None,
    marker: config_folder,
    servers_key: &["mcpServers"],
    shape: Shape::STANDARD,
    no_http: Some(
        "Claude Desktop's config takes only local (stdio) servers: use --transport stdio (the bundled server, no Node.js needed) or --transport bridge",
    ),
    headless: Headless::Refused(Some(
        "Claude Desktop adds remote servers in the app, not in this file: open Settings > Connectors > Add custom connector, paste {url} and sign in to Tray there",
    )),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "quit and restart Claude Desktop for the changes to take effect",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: None,
};

/// The folder Claude Desktop reads its config from on this machine.
fn config_folder(environment: &Environment) -> PathBuf {
    config_folder_with(environment, folder_names)
}

/// [`config_folder`] with the listing of a folder's sub-folders given (tests compute Windows
/// paths on any machine this way).
fn config_folder_with(environment: &Environment, list: impl Fn(&Path) -> Vec<String>) -> PathBuf {
    if environment.os == Os::Windows {
        let packages = environment.join(&environment.local_app_data_dir(), &["Packages"]);
        if let Some(package) = msix_package(list(&packages)) {
            return environment.join(&packages, &[&package, "LocalCache", "Roaming", "Claude"]);
        }
    }
    environment.join(&environment.app_config_dir(), &["Claude"])
}

/// Claude Desktop's MSIX package among the folder names of `%LOCALAPPDATA%\Packages`:
/// `Claude_<publisher id>` (compared without case, as Windows does; the first by name when
/// there are several).
fn msix_package(names: Vec<String>) -> Option<String> {
    names
        .into_iter()
        .filter(|name| {
            name.get(..7)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("Claude_"))
                && name.len() > 7
        })
        .min()
}

/// The names of the folders in `folder` (none when it cannot be read).
fn folder_names(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::tests::environment_for;

    const PACKAGES: &str = r"C:\Users\ada\AppData\Local\Packages";

    fn listing(names: &'static [&'static str]) -> impl Fn(&Path) -> Vec<String> {
        move |folder| {
            assert_eq!(folder, Path::new(PACKAGES), "the packages folder is listed");
            names.iter().map(|name| name.to_string()).collect()
        }
    }

    #[test]
    fn an_msix_install_on_windows_reads_its_redirected_roaming_folder() {
        let environment = environment_for(Os::Windows);
        let folder = config_folder_with(
            &environment,
            listing(&["Microsoft.Paint_8wekyb3d8bbwe", "Claude_pzs8sxrjxfjjc"]),
        );
        assert_eq!(
            folder,
            PathBuf::from(r"C:\Users\ada\AppData\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude")
        );
    }

    #[test]
    fn without_the_package_windows_uses_appdata() {
        let environment = environment_for(Os::Windows);
        for names in [&[][..], &["ClaudeCode_x", "Claude_", "Anthropic.Claude_x"][..]] {
            let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
            let folder = config_folder_with(&environment, move |_| names.clone());
            assert_eq!(folder, PathBuf::from(r"C:\Users\ada\AppData\Roaming\Claude"));
        }
    }

    #[test]
    fn localappdata_moves_the_packages_folder() {
        let mut environment = environment_for(Os::Windows);
        environment.variables.local_appdata = Some(PathBuf::from(r"D:\Local"));
        let folder = config_folder_with(&environment, |folder| {
            assert_eq!(folder, Path::new(r"D:\Local\Packages"));
            vec!["claude_abc".to_string()]
        });
        assert_eq!(
            folder,
            PathBuf::from(r"D:\Local\Packages\claude_abc\LocalCache\Roaming\Claude")
        );
    }

    #[test]
    fn other_systems_never_look_for_packages() {
        for os in [Os::MacOs, Os::Linux] {
            let environment = environment_for(os);
            let folder = config_folder_with(&environment, |_| panic!("no packages folder on {os:?}"));
            assert_eq!(folder, environment.join(&environment.app_config_dir(), &["Claude"]));
        }
    }
}
