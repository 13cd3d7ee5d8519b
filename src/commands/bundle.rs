//! `tray-mcp bundle`: a Claude Desktop extension (an MCP Bundle, `.mcpb`) of the bundled
//! server, which Claude Desktop installs by double-click and runs as its manifest says.
//!
//! Why a bundle: Claude Desktop's config file takes no remote server, and its users should not
//! need a terminal or Node.js. The bundle is a zip of `manifest.json` (MCPB manifest version
//! 0.3, `server.type: "binary"`) and the binary. Claude Desktop asks for the manifest's
//! `user_config` (workspace ID, region, API token), keeps the token (`sensitive`) in its secure
//! storage, and starts `serve` with them, the Agent Gateway on. A workspace given here becomes
//! the field's default, so a team can hand out its own bundle; the token never goes in.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::CommandError;
use crate::paths::{Environment, Os};
use crate::tray::{Region, WorkspaceId};

/// The MCPB manifest version the bundle's manifest conforms to.
pub const MANIFEST_VERSION: &str = "0.3";

/// A platform Claude Desktop runs on, by its MCPB name (Node.js's `process.platform`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// macOS.
    Darwin,
    /// Windows.
    Win32,
    /// Linux.
    Linux,
}

impl Platform {
    /// Every platform, by name.
    pub const ALL: [Platform; 3] = [Platform::Darwin, Platform::Win32, Platform::Linux];

    /// The platform this binary was built for.
    pub fn current() -> Platform {
        match Os::current() {
            Os::MacOs => Platform::Darwin,
            Os::Windows => Platform::Win32,
            Os::Linux => Platform::Linux,
        }
    }

    /// Its MCPB name (`darwin`, `win32`, `linux`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Darwin => "darwin",
            Platform::Win32 => "win32",
            Platform::Linux => "linux",
        }
    }

    /// The platform of an MCPB name (`macos` and `windows` are accepted too).
    pub fn parse(input: &str) -> Option<Platform> {
        match input.trim().to_ascii_lowercase().as_str() {
            "darwin" | "macos" => Some(Platform::Darwin),
            "win32" | "windows" => Some(Platform::Win32),
            "linux" => Some(Platform::Linux),
            _ => None,
        }
    }

    /// The binary's path inside the bundle.
    fn entry_point(self) -> &'static str {
        match self {
            Platform::Win32 => "server/tray-mcp.exe",
            Platform::Darwin | Platform::Linux => "server/tray-mcp",
        }
    }
}

/// What `tray-mcp bundle` was asked for.
#[derive(Debug, Clone, Default)]
pub struct BundleRequest {
    /// Where to write the bundle (default: `tray-mcp-<version>-<platform>.mcpb` here).
    pub out: Option<PathBuf>,
    /// The workspace the bundle's workspace field is filled with.
    pub workspace_id: Option<WorkspaceId>,
    /// The region the region field is filled with (default us1).
    pub region: Option<Region>,
    /// Another platform's tray-mcp to bundle instead of this one, and its platform.
    pub binary: Option<(PathBuf, Platform)>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Bundled {
    /// The bundle.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Value,
}

/// The `user_config` keys of the manifest.
const WORKSPACE_FIELD: &str = "workspace_id";
const REGION_FIELD: &str = "region";
const TOKEN_FIELD: &str = "api_token";

/// The manifest of a bundle for `platform`, with the request's workspace and region as the
/// fields' defaults.
pub fn manifest(request: &BundleRequest, platform: Platform) -> Value {
    let entry_point = platform.entry_point();
    let token_variable = crate::env::TRAY_API_TOKEN;
    json!({
        "manifest_version": MANIFEST_VERSION,
        "name": "tray-mcp",
        "display_name": "Tray.ai",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "Your Tray.ai workspace in Claude: its workflows, connectors and Agent Gateway tools",
        "long_description": "Runs tray-mcp's bundled MCP server for one Tray.ai workspace: the built-in tools and the workspace's Agent Gateway tools (Workflow and Connector Tools). Claude Desktop keeps the API token in its secure storage.",
        "author": { "name": "tray-mcp", "url": env!("CARGO_PKG_HOMEPAGE") },
        "repository": { "type": "git", "url": env!("CARGO_PKG_REPOSITORY") },
        "homepage": env!("CARGO_PKG_HOMEPAGE"),
        "support": format!("{}/issues", env!("CARGO_PKG_REPOSITORY")),
        "license": env!("CARGO_PKG_LICENSE"),
        "keywords": ["tray", "tray.ai", "workflows", "automation", "agent gateway"],
        "server": {
            "type": "binary",
            "entry_point": entry_point,
            "mcp_config": {
                "command": format!("${{__dirname}}/{entry_point}"),
                "args": [
                    "serve",
                    "--workspace-id", format!("${{user_config.{WORKSPACE_FIELD}}}"),
                    "--region", format!("${{user_config.{REGION_FIELD}}}"),
                    "--gateway",
                ],
                "env": { token_variable: format!("${{user_config.{TOKEN_FIELD}}}") },
            },
        },
        "tools_generated": true,
        "compatibility": { "platforms": [platform.as_str()] },
        "user_config": user_config(request),
    })
}

/// The fields Claude Desktop asks for: the workspace (pre-filled when the request names one), the
/// region, and the token (sensitive: kept in Claude Desktop's secure storage).
fn user_config(request: &BundleRequest) -> Value {
    let mut workspace = json!({
        "type": "string",
        "title": "Workspace ID",
        "description": "Your Tray workspace's ID: the UUID in the address of the Tray app (app.tray.io/workspaces/<ID>/...)",
        "required": true,
    });
    if let Some(workspace_id) = &request.workspace_id {
        workspace["default"] = json!(workspace_id.to_string());
    }
    let region = request.region.unwrap_or_default();
    json!({
        WORKSPACE_FIELD: workspace,
        REGION_FIELD: {
            "type": "string",
            "title": "Region",
            "description": "Your workspace's Tray region: us1, eu1 or apac1",
            "required": true,
            "default": region.to_string(),
        },
        TOKEN_FIELD: {
            "type": "string",
            "title": "API token",
            "description": "A Tray API token of the workspace; Claude Desktop keeps it in its secure storage",
            "sensitive": true,
            "required": true,
        },
    })
}

/// Writes the bundle: the manifest and the binary (`running`, or the request's other
/// platform's), replacing the output file at once when complete.
pub fn bundle(environment: &Environment, request: &BundleRequest, running: &Path) -> Result<Bundled, CommandError> {
    let (binary, platform) = match &request.binary {
        Some((path, platform)) => (path.clone(), *platform),
        None => (running.to_path_buf(), Platform::current()),
    };
    let program = std::fs::read(&binary).map_err(|error| {
        CommandError::failure(
            format!(
                "could not read the binary {}: {error}",
                environment.display_path(&binary)
            ),
            "give --binary the path of a tray-mcp built for --platform",
        )
    })?;
    let manifest = manifest(request, platform);
    let path = match &request.out {
        Some(out) => environment.current_dir.join(out),
        None => environment.project_path(&[&format!(
            "tray-mcp-{}-{}.mcpb",
            env!("CARGO_PKG_VERSION"),
            platform.as_str()
        )]),
    };
    write_zip(&path, &manifest, platform.entry_point(), &program).map_err(|error| {
        CommandError::failure(
            format!("could not write {}: {error}", environment.display_path(&path)),
            "choose another --out (a folder you can write to)",
        )
    })?;
    Ok(Bundled { path, manifest })
}

/// Writes the zip through a temporary file beside `path`, renamed over it when complete.
fn write_zip(
    path: &Path,
    manifest: &Value,
    entry_point: &str,
    program: &[u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let folder = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temporary = tempfile::NamedTempFile::new_in(folder)?;
    let mut zip = zip::ZipWriter::new(temporary.as_file());
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("manifest.json", deflated.unix_permissions(0o644))?;
    zip.write_all(format!("{manifest:#}\n").as_bytes())?;
    zip.start_file(entry_point, deflated.unix_permissions(0o755))?;
    zip.write_all(program)?;
    zip.finish()?;
    // A file to hand out, not a secret (the temporary file was made private).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temporary.as_file().sync_all()?;
    temporary.persist(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_sensitive_and_reaches_serve_only_by_its_variable() {
        let manifest = manifest(&BundleRequest::default(), Platform::Linux);
        assert_eq!(manifest["user_config"][TOKEN_FIELD]["sensitive"], true);
        assert_eq!(
            manifest["server"]["mcp_config"]["env"]["TRAY_API_TOKEN"],
            "${user_config.api_token}"
        );
        assert!(manifest["user_config"][WORKSPACE_FIELD].get("default").is_none());
        assert_eq!(manifest["user_config"][REGION_FIELD]["default"], "us1");
    }

    #[test]
    fn a_given_workspace_and_region_are_the_defaults() {
        let request = BundleRequest {
            workspace_id: WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").ok(),
            region: Some(Region::Eu1),
            ..BundleRequest::default()
        };
        let manifest = manifest(&request, Platform::Win32);
        assert_eq!(
            manifest["user_config"][WORKSPACE_FIELD]["default"],
            "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
        );
        assert_eq!(manifest["user_config"][REGION_FIELD]["default"], "eu1");
        assert_eq!(manifest["server"]["entry_point"], "server/tray-mcp.exe");
        assert_eq!(manifest["compatibility"]["platforms"], json!(["win32"]));
    }
}
