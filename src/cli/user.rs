//! `tessera user create|list|show|update|disable|enable|delete|set-password`

use super::exit::CliError;
use super::output::{print_json, print_user, print_user_table, user_json};
use crate::accounts::admin::{self, NewUserInput, UserChanges};
use crate::app::AppState;
use crate::config::Config;
use clap::{Args, Subcommand};
use std::io::BufRead;

#[derive(Debug, Args)]
pub struct UserArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        given_name: Option<String>,
        #[arg(long)]
        family_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Mark the email address as verified.
        #[arg(long)]
        verified: bool,
    },
    /// List users.
    List {
        /// Only users whose email, username or name contains this.
        #[arg(long)]
        search: Option<String>,
        /// At most this many (1 to 1000).
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Continue after this user id (the last id of the previous page).
        #[arg(long, value_name = "ID")]
        after: Option<String>,
    },
    /// Show one user (by id, email or username).
    Show { user: String },
    /// Change a user's fields; an empty value clears an optional field.
    Update {
        user: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_name = "true|false")]
        verified: Option<bool>,
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        given_name: Option<String>,
        #[arg(long)]
        family_name: Option<String>,
        #[arg(long)]
        picture: Option<String>,
        #[arg(long)]
        locale: Option<String>,
        /// A JSON object.
        #[arg(long, value_name = "JSON")]
        public_metadata: Option<String>,
        /// A JSON object; never leaves the admin surface.
        #[arg(long, value_name = "JSON")]
        private_metadata: Option<String>,
    },
    /// Disable a user and end all their sessions.
    Disable { user: String },
    /// Enable a disabled user.
    Enable { user: String },
    /// Delete a user and everything that belongs to them.
    Delete {
        user: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
    /// Set a user's password from standard input, ending all their sessions.
    SetPassword {
        user: String,
        /// Read the password from the first line of standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
}

fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(CliError::Usage("no password on standard input".into()));
    }
    Ok(password)
}

/// Runs a user command.
pub fn run(config: Config, args: UserArgs) -> Result<(), CliError> {
    let mut config = config;
    // One hashing thread is plenty for a command.
    config.argon2.workers = Some(1);
    let state = super::build_state(config)?;
    crate::storage::migrations::run_pending(&state.db)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    runtime.block_on(execute(&state, args))
}

async fn execute(state: &AppState, args: UserArgs) -> Result<(), CliError> {
    let json = args.json;
    let done = |verb: &str, user: &crate::domain::User| {
        if json {
            print_json(&user_json(user));
        } else {
            println!("{verb} user {} <{}>", user.id, user.email);
        }
    };
    match args.command {
        UserCommand::Create {
            email,
            username,
            name,
            given_name,
            family_name,
            password_stdin,
            verified,
        } => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let input = NewUserInput {
                email: email.clone(),
                username,
                name,
                given_name,
                family_name,
                password,
                verified,
            };
            let user = admin::create_user(state, input)
                .await
                .map_err(|e| CliError::from_account(e, &email))?;
            crate::audit::record(state, crate::audit::cli("user.created", "user", &user.id)).await;
            done("created", &user);
        }
        UserCommand::List {
            search,
            limit,
            after,
        } => {
            if !(1..=1000).contains(&limit) {
                return Err(CliError::Usage("--limit must be between 1 and 1000".into()));
            }
            let users = admin::list(state, search, after, limit)
                .await
                .map_err(|e| CliError::from_account(e, ""))?;
            if json {
                print_json(&serde_json::Value::Array(
                    users.iter().map(user_json).collect(),
                ));
            } else {
                print_user_table(&users);
            }
        }
        UserCommand::Show { user } => {
            let found = admin::find(state, &user)
                .await
                .map_err(|e| CliError::from_account(e, &user))?;
            if json {
                print_json(&user_json(&found));
            } else {
                print_user(&found);
            }
        }
        UserCommand::Update {
            user,
            email,
            verified,
            username,
            name,
            given_name,
            family_name,
            picture,
            locale,
            public_metadata,
            private_metadata,
        } => {
            let changes = UserChanges {
                email,
                verified,
                username,
                name,
                given_name,
                family_name,
                picture,
                locale,
                public_metadata,
                private_metadata,
            };
            let updated = admin::update_user(state, &user, changes)
                .await
                .map_err(|e| CliError::from_account(e, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("user.updated", "user", &updated.id),
            )
            .await;
            done("updated", &updated);
        }
        UserCommand::Disable { user } => {
            let updated = admin::set_disabled(state, &user, true)
                .await
                .map_err(|e| CliError::from_account(e, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("user.disabled", "user", &updated.id),
            )
            .await;
            done("disabled", &updated);
        }
        UserCommand::Enable { user } => {
            let updated = admin::set_disabled(state, &user, false)
                .await
                .map_err(|e| CliError::from_account(e, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("user.enabled", "user", &updated.id),
            )
            .await;
            done("enabled", &updated);
        }
        UserCommand::Delete { user, yes } => {
            if !yes {
                return Err(CliError::Usage(format!(
                    "deleting {user} cannot be undone; add --yes to confirm"
                )));
            }
            let deleted = admin::delete_user(state, &user)
                .await
                .map_err(|e| CliError::from_account(e, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("user.deleted", "user", &deleted.id),
            )
            .await;
            done("deleted", &deleted);
        }
        UserCommand::SetPassword {
            user,
            password_stdin,
        } => {
            if !password_stdin {
                return Err(CliError::Usage(
                    "pass the password on standard input with --password-stdin".into(),
                ));
            }
            let password = read_password()?;
            let updated = admin::set_password(state, &user, &password)
                .await
                .map_err(|e| CliError::from_account(e, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("user.password_set", "user", &updated.id),
            )
            .await;
            done("set the password of", &updated);
        }
    }
    Ok(())
}
