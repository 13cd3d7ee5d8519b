//! The wizard's token check: right after the token is entered, Tray is asked whose it is (and
//! the Agent Gateway how many tools it has), and a token Tray refuses outright is asked for
//! again instead of carried through the remaining questions to a failed install.
//!
//! Why a module of its own: the checks and their verdicts are [`crate::commands::verify`]'s
//! (the same ones a flags install makes); this is only how the wizard asks and says them, and
//! how the answer found then is reused before writing, so Tray is asked once per token.

use crate::commands::install::InstallRequest;
use crate::commands::verify::{self, Target, Uses, Verification};
use crate::error::CommandError;
use crate::notice::Notice;
use crate::paths::Environment;
use crate::tray::{ApiToken, Region, WorkspaceId};

use super::prompter::Prompter;
use super::texts;

/// A token checked when it was entered, with what was said about it then.
pub struct Checked {
    /// What Tray answered.
    pub verification: Verification,
    /// The lines already shown.
    pub said: Vec<String>,
}

/// Asks for the token until Tray does not refuse it outright (every part refused), saying
/// whose token it is; with `verify` false (`--no-verify`) it is asked once and not checked.
/// Before the transport is chosen both Tray's API and the gateway count.
pub fn ask_checked(
    environment: &Environment,
    prompter: &mut dyn Prompter,
    workspace_id: &WorkspaceId,
    region: Region,
    verify: bool,
) -> Result<(ApiToken, Option<Checked>), CommandError> {
    loop {
        let token = super::ask_token(prompter)?;
        if !verify {
            return Ok((token, None));
        }
        prompter.say(texts::TOKEN_CHECKING);
        let both = Uses {
            api: true,
            gateway: true,
        };
        let target = Target::token(workspace_id, region, &token, both);
        let verification = verify::verify(&environment.variables, &target);
        match verify::judge(&verification, target.uses) {
            Ok(notices) => {
                let said: Vec<String> = notices.iter().map(ToString::to_string).collect();
                for line in &said {
                    prompter.say(line);
                }
                return Ok((token, Some(Checked { verification, said })));
            }
            Err(refused) => {
                prompter.say(&format!("error: {}", refused.message));
                if let Some(hint) = &refused.hint {
                    prompter.say(&format!("hint: {hint}"));
                }
                prompter.say(texts::TOKEN_AGAIN);
            }
        }
    }
}

/// The verdict before writing: the token checked when it was entered, judged now that the
/// entry's transport and gateway are known (checked again when the region changed since), or
/// checked now when it came from the command line. Notices already shown are left out.
pub fn before_writing(
    environment: &Environment,
    request: &InstallRequest,
    checked: Option<&Checked>,
    verify: bool,
) -> Result<Vec<Notice>, CommandError> {
    if !verify {
        return Ok(Vec::new());
    }
    let Some(target) = verify::target(environment, request) else {
        return Ok(Vec::new());
    };
    match checked.filter(|checked| checked.verification.region == target.region) {
        Some(checked) => {
            let notices = verify::judge(&checked.verification, target.uses)?;
            Ok(notices
                .into_iter()
                .filter(|notice| !checked.said.contains(&notice.to_string()))
                .collect())
        }
        None => verify::before_install(environment, request, true),
    }
}
