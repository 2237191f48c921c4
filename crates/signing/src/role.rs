//! Who signs: the competent person or the issuing agency.

use crate::certificate::CertificateKind;

/// Who signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The competent person (người có thẩm quyền), with a personal certificate.
    Person,
    /// The issuing agency (cơ quan, tổ chức), applied by the records office with the
    /// organisation's certificate — the electronic seal.
    Agency,
}

impl Role {
    /// The name recorded under /MotcuaRole (`pdf::parse::ROLE_KEY`).
    pub(crate) fn pdf_name(self) -> &'static str {
        match self {
            Role::Person => "Person",
            Role::Agency => "Agency",
        }
    }

    /// The role recorded under /MotcuaRole, if the name is one of [`Role::pdf_name`].
    pub(crate) fn from_pdf_name(name: &[u8]) -> Option<Role> {
        match name {
            b"Person" => Some(Role::Person),
            b"Agency" => Some(Role::Agency),
            _ => None,
        }
    }

    /// The reason written when the caller gives none (Vietnamese / English).
    pub fn default_reason(self) -> &'static str {
        match self {
            Role::Person => "Ký số của người có thẩm quyền / Signature of the competent person",
            Role::Agency => "Ký số của cơ quan, tổ chức / Signature of the issuing agency",
        }
    }

    /// The certificate kind this role needs.
    pub fn certificate_kind(self) -> CertificateKind {
        match self {
            Role::Person => CertificateKind::Person,
            Role::Agency => CertificateKind::Organization,
        }
    }

    /// The role matching a certificate kind, if any.
    pub fn for_certificate_kind(kind: CertificateKind) -> Option<Role> {
        match kind {
            CertificateKind::Person => Some(Role::Person),
            CertificateKind::Organization => Some(Role::Agency),
            CertificateKind::Unknown => None,
        }
    }
}
