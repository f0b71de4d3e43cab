//! Pure domain types: codes, enumerations and values with their parsing rules.
//! Nothing here knows about HTTP or the database.

mod agency;
mod codes;
mod enums;
mod locale;
mod masking;
pub mod net;
pub mod numbers;
pub mod time;
pub mod token;
mod tree;

pub use agency::{Agency, AgencyKind};
pub use codes::{control_char, AgencyCode, CodeError, DossierCode, EmailAddress, ProcedureCode};
pub use enums::{Channel, Field, UnknownCode};
pub use locale::Locale;
pub use masking::{mask_personal_data, EMAIL_MARKER, ID_MARKER, PHONE_MARKER};
pub use time::{hanoi_date, hanoi_offset};
pub use token::{InvitationToken, TokenHash};
pub use tree::{AgencyTree, Visibility};
