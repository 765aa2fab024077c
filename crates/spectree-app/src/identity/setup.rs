//! First run: a fresh instance has no administrator. Start-up prints a one-time setup code; the
//! first instance administrator is created with it (or from the command line).

use serde_json::json;
use spectree_domain::ids::OrgId;
use spectree_domain::page::{Page, PageRequest};
use spectree_store::Store;
use spectree_store::identity::setup;
use spectree_store::identity::users::{self, User};

use super::{IdentityError, NewSession};
use crate::secret::{new_code, token_hash};
use crate::{App, RequestCtx, audit};

impl App {
    /// Whether the instance still needs its first administrator.
    pub async fn setup_required(&self) -> Result<bool, IdentityError> {
        Ok(!users::any_instance_admin(&mut *self.store().read().await?).await?)
    }

    /// When the instance has no administrator, makes a new setup code (codes printed by other
    /// nodes or earlier starts stay valid) and returns it to be shown in the log; otherwise
    /// `None`.
    pub async fn prepare_setup(&self) -> Result<Option<String>, IdentityError> {
        let mut tx = self.store().begin().await?;
        if users::any_instance_admin(&mut tx).await? {
            setup::clear(&mut tx).await?;
            Store::commit(tx).await?;
            return Ok(None);
        }
        let code = new_code()?;
        setup::put_code(&mut tx, &token_hash(&code), self.now()).await?;
        Store::commit(tx).await?;
        Ok(Some(code))
    }

    /// Creates the first instance administrator with the setup code and signs them in.
    pub async fn complete_setup(
        &self,
        code: &str,
        email: &str,
        name: &str,
        password: &str,
        ctx: &RequestCtx,
    ) -> Result<NewSession, IdentityError> {
        let account = self.new_account(email, name, password).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if users::any_instance_admin(&mut tx).await? {
            return Err(IdentityError::AlreadySetUp);
        }
        let given = token_hash(code.trim().to_uppercase().as_str());
        if !setup::has_code(&mut tx, &given).await? {
            return Err(IdentityError::InvalidSetupCode);
        }
        let user = self.insert_account(&mut tx, account, true, true).await?;
        setup::clear(&mut tx).await?;
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            Some(user.id),
            "instance.setup_completed",
            ("user", Some(user.id.to_string())),
            ctx,
            json!({}),
        )
        .await?;
        let session = self.open_session(&mut tx, &user, ctx).await?;
        Store::commit(tx).await?;
        Ok(session)
    }

    /// Creates an account from the command line (`spectree admin user create`). The address
    /// counts as verified: an operator vouches for it.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password: &str,
        instance_admin: bool,
    ) -> Result<User, IdentityError> {
        let account = self.new_account(email, name, password).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let user = self
            .insert_account(&mut tx, account, true, instance_admin)
            .await?;
        if instance_admin {
            setup::clear(&mut tx).await?;
        }
        audit::record(
            &mut tx,
            now,
            OrgId::INSTANCE,
            None,
            "user.created",
            ("user", Some(user.id.to_string())),
            &RequestCtx::default(),
            json!({ "via": "cli", "instance_admin": instance_admin }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(user)
    }

    /// Every account, for the command line.
    pub async fn list_users(&self, page: &PageRequest) -> Result<Page<User>, IdentityError> {
        let rows = users::list(
            &mut *self.store().read().await?,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |u| u.id.to_string()))
    }
}
