//! Sign-up, and the email verification that follows it.

use serde_json::json;
use spectree_domain::identity::Email;
use spectree_domain::ids::{OrgId, UserId};
use spectree_domain::org::validate_name;
use spectree_store::identity::user_tokens::{self, Purpose};
use spectree_store::identity::users::{self, User};
use spectree_store::org::invitations;
use spectree_store::{AnyConnection, Store, StoreError};

use super::{IdentityError, NewSession};
use crate::mail::Mail;
use crate::secret::{hash_password, new_token, token_hash};
use crate::{Actor, App, RequestCtx, audit};

/// What a person submits to sign up.
#[derive(Debug, Clone)]
pub struct SignupInput {
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Password.
    pub password: String,
    /// The token of an invitation to this address, if they hold one.
    pub invitation_token: Option<String>,
}

/// The result of a sign-up.
#[derive(Debug, Clone)]
pub struct SignupOutcome {
    /// The new account.
    pub user: User,
    /// A session, unless the address must be verified first.
    pub session: Option<NewSession>,
    /// Whether the person must verify the address before signing in.
    pub verification_required: bool,
}

/// Validated account fields shared by sign-up, setup and the command line.
pub(crate) struct NewAccount {
    pub email: Email,
    pub name: String,
    pub password_hash: String,
}

impl App {
    /// Validates account fields and hashes the password (off the async threads).
    pub(crate) async fn new_account(
        &self,
        email: &str,
        name: &str,
        password: &str,
    ) -> Result<NewAccount, IdentityError> {
        let email = Email::parse(email).map_err(|_| IdentityError::InvalidEmail)?;
        let name = validate_name(name).map_err(|e| IdentityError::InvalidName(e.to_string()))?;
        self.settings()
            .password_policy
            .check(password, email.as_str())?;
        let password = password.to_owned();
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| IdentityError::Invalid(format!("hashing failed: {e}")))??;
        Ok(NewAccount {
            email,
            name,
            password_hash,
        })
    }

    /// Inserts the account inside the caller's transaction.
    pub(crate) async fn insert_account(
        &self,
        c: &mut AnyConnection,
        account: NewAccount,
        verified: bool,
        instance_admin: bool,
    ) -> Result<User, IdentityError> {
        let now = self.now();
        let user = User {
            id: UserId::new(),
            email: account.email.as_str().to_owned(),
            name: account.name,
            password_hash: Some(account.password_hash),
            email_verified_at: verified.then_some(now),
            instance_admin,
            created_at: now,
            disabled_at: None,
        };
        users::insert(c, &user).await.map_err(|e| match e {
            StoreError::Duplicate => IdentityError::EmailTaken,
            e => IdentityError::Store(e),
        })?;
        Ok(user)
    }

    /// Creates an account under the sign-up policy.
    pub async fn signup(
        &self,
        input: SignupInput,
        ctx: &RequestCtx,
    ) -> Result<SignupOutcome, IdentityError> {
        let account = self
            .new_account(&input.email, &input.name, &input.password)
            .await?;
        let now = self.now();
        let mut read = self.store().read().await?;
        let set_up = users::any_instance_admin(&mut read).await?;
        let invitation = match &input.invitation_token {
            Some(t) => {
                let inv = invitations::by_token_hash(&mut read, &token_hash(t))
                    .await?
                    .filter(|i| {
                        i.accepted_at.is_none() && i.revoked_at.is_none() && i.expires_at > now
                    })
                    .ok_or(IdentityError::InvalidToken)?;
                if inv.email != account.email.as_str() {
                    return Err(IdentityError::InvalidToken);
                }
                Some(inv)
            }
            None => None,
        };
        drop(read);
        let must_verify =
            self.settings()
                .signup
                .decide(&account.email, invitation.is_some(), set_up)?;

        let mut tx = self.store().begin().await?;
        // An invitation link proves the mailbox, so the address counts as verified.
        let user = self
            .insert_account(&mut tx, account, invitation.is_some(), false)
            .await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(user.id),
            "user.signup",
            ("user", Some(user.id.to_string())),
            ctx,
            json!({ "invited": invitation.is_some() }),
        )
        .await?;
        if let Some(inv) = &invitation {
            self.accept_invitation_in(&mut tx, inv, &user, ctx).await?;
        }
        let verification = if user.email_verified_at.is_none() {
            Some(self.issue_verification(&mut tx, &user).await?)
        } else {
            None
        };
        let session = if must_verify {
            None
        } else {
            Some(self.open_session(&mut tx, &user, ctx).await?)
        };
        Store::commit(tx).await?;
        if let Some(mail) = verification {
            self.mailer().send_logged(mail).await;
        }
        Ok(SignupOutcome {
            user,
            session,
            verification_required: must_verify,
        })
    }

    /// Stores a verification token and returns the mail that carries it.
    async fn issue_verification(
        &self,
        c: &mut AnyConnection,
        user: &User,
    ) -> Result<Mail, IdentityError> {
        let now = self.now();
        let token = new_token("")?;
        user_tokens::invalidate(c, user.id, Purpose::VerifyEmail, now).await?;
        user_tokens::insert(
            c,
            &token_hash(&token),
            user.id,
            Purpose::VerifyEmail,
            now,
            now.plus(self.settings().verification_ttl),
        )
        .await?;
        Ok(Mail {
            to: user.email.clone(),
            subject: "Verify your email address for Spec Tree".into(),
            body: format!(
                "Hello {},\n\nconfirm your email address by opening this link:\n\n{}/verify-email?token={}\n\nIf you did not sign up, ignore this message.\n",
                user.name,
                self.settings().public_url.trim_end_matches('/'),
                token
            ),
        })
    }

    /// Sends a fresh verification link to the actor.
    pub async fn resend_verification(&self, actor: &Actor) -> Result<(), IdentityError> {
        let mut tx = self.store().begin().await?;
        let user = users::get(&mut tx, actor.user_id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        if user.email_verified_at.is_some() {
            return Ok(());
        }
        let mail = self.issue_verification(&mut tx, &user).await?;
        Store::commit(tx).await?;
        self.mailer().send_logged(mail).await;
        Ok(())
    }

    /// Confirms an address with the token from the verification mail.
    pub async fn verify_email(&self, token: &str, ctx: &RequestCtx) -> Result<(), IdentityError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let user = user_tokens::consume(&mut tx, &token_hash(token), Purpose::VerifyEmail, now)
            .await?
            .ok_or(IdentityError::InvalidToken)?;
        users::mark_verified(&mut tx, user, now).await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(user),
            "user.email_verified",
            ("user", Some(user.to_string())),
            ctx,
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }
}
