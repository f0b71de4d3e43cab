//! Pure domain types: codes, enumerations and values with their parsing rules.
//! Nothing here knows about HTTP or the database.

mod agency;
mod codes;
mod enums;
mod locale;
pub mod time;
pub mod token;
mod tree;

pub use agency::{Agency, AgencyKind};
pub use codes::{AgencyCode, CodeError, DossierCode, EmailAddress, ProcedureCode};
pub use enums::{Channel, Field, UnknownCode};
pub use locale::Locale;
pub use time::{hanoi_date, hanoi_offset};
pub use token::{InvitationToken, TokenHash};
pub use tree::{AgencyTree, Visibility};
