//! The wizard's first offer on a machine with Tray entries that Tray's setup utility or the
//! user's hands wrote (tokens in plain text in the client files, Node.js required): adopt them
//! first, with `tray-mcp adopt`'s own command, before adding anything new.
//!
//! Why first: a new entry of the same name would otherwise clash with the hand-written one,
//! and a user who already has working entries often came for exactly this. Declining changes
//! nothing; `--yes` never adopts (it only takes defaults of the install it was given).

use crate::clients::ClientId;
use crate::commands::adopt::{self, AdoptRequest, found};
use crate::commands::report::Report;
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::take_inventory;
use crate::self_install::Placement;

use super::{Prompter, cancelled};

/// The question.
const QUESTION: &str =
    "Adopt them now? Each becomes a tray-mcp entry of the same name, its token moved into tray-mcp's store";

/// Offers to adopt the adoptable entries, when there are any; the adopt's report when the user
/// accepted.
pub fn offer(
    context: &Context,
    prompter: &mut dyn Prompter,
    placement: &Placement,
    verify: bool,
) -> Result<Option<Report>, CommandError> {
    let inventory = take_inventory(context, ClientId::all());
    let mut found: Vec<String> = Vec::new();
    for entry in &inventory.entries {
        let adoptable = found::adoptable(entry).is_some_and(|found| !found.written_by_tray_mcp);
        let line = format!("  {} ({})", entry.name, entry.client.client().display_name());
        if adoptable && !found.contains(&line) {
            found.push(line);
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    prompter.say(&format!(
        "These Tray entries keep their API token in the client's own file (written by Tray's setup utility or by hand):\n{}",
        found.join("\n")
    ));
    if !prompter.confirm(QUESTION, true).map_err(cancelled)? {
        return Ok(None);
    }
    let request = AdoptRequest {
        verify,
        ..AdoptRequest::default()
    };
    adopt::adopt(context, &request, placement).map(Some)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::paths::Os;
    use crate::wizard::prompter::{ChoiceQuestion, PromptError, SecretQuestion, TextQuestion};

    /// Confirms with `answer`; counts the questions.
    struct Confirming {
        answer: bool,
        asked: usize,
    }

    impl Prompter for Confirming {
        fn multi_select(&mut self, _: &ChoiceQuestion, _: &[usize]) -> Result<Vec<usize>, PromptError> {
            Err(PromptError::Cancelled)
        }
        fn select(&mut self, _: &ChoiceQuestion) -> Result<usize, PromptError> {
            Err(PromptError::Cancelled)
        }
        fn text(&mut self, _: &TextQuestion) -> Result<String, PromptError> {
            Err(PromptError::Cancelled)
        }
        fn secret(&mut self, _: &SecretQuestion) -> Result<String, PromptError> {
            Err(PromptError::Cancelled)
        }
        fn confirm(&mut self, _: &str, _: bool) -> Result<bool, PromptError> {
            self.asked += 1;
            Ok(self.answer)
        }
        fn say(&mut self, _: &str) {}
    }

    fn environment(home: &Path) -> Context {
        let variables = crate::env::Variables {
            token_store: crate::env::TokenStoreChoice::File,
            ..Default::default()
        };
        Context::from_environment(crate::paths::Environment {
            os: Os::Linux,
            home: home.to_path_buf(),
            appdata: None,
            xdg_config_home: None,
            current_dir: home.to_path_buf(),
            path_var: None,
            variables,
        })
    }

    #[test]
    fn a_seed_bridge_is_offered_and_adopted_only_when_accepted() {
        let home = tempfile::tempdir().expect("tempdir");
        let cursor = home.path().join(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().expect("folder")).expect("mkdir");
        let seed = r#"{"mcpServers": {"tray-workspace": {"command": "npx", "args": ["mcp-remote", "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai", "--header", "Authorization: Bearer seed-token-1234"]}}}"#;
        std::fs::write(&cursor, seed).expect("write");
        let environment = environment(home.path());
        let placement = Placement {
            entry_binary: "/bin/tray-mcp".into(),
            copy_from: None,
        };
        let mut declining = Confirming {
            answer: false,
            asked: 0,
        };
        assert!(
            offer(&environment, &mut declining, &placement, false)
                .expect("offer")
                .is_none()
        );
        assert_eq!(
            (declining.asked, std::fs::read_to_string(&cursor).expect("read")),
            (1, seed.to_string())
        );
        let mut accepting = Confirming { answer: true, asked: 0 };
        let report = offer(&environment, &mut accepting, &placement, false)
            .expect("offer")
            .expect("adopted");
        assert!(!report.files.is_empty());
        let after = std::fs::read_to_string(&cursor).expect("read");
        assert!(
            !after.contains("seed-token-1234") && after.contains("--profile"),
            "{after}"
        );
        let mut again = Confirming { answer: true, asked: 0 };
        assert!(
            offer(&environment, &mut again, &placement, false)
                .expect("offer")
                .is_none()
        );
        assert_eq!(again.asked, 0, "nothing left to offer");
    }
}
