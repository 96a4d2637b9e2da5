//! The SCIM schemas Tessera serves (RFC 7643 §4, §8.7): each attribute's type, plurality,
//! case-exactness, mutability, `returned` and uniqueness rules, written once and used everywhere:
//! to read request bodies, to resolve filter and PATCH paths, to project responses
//! (`attributes`, `excludedAttributes`) and to describe the server at `/Schemas`.

/// The core User schema.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension.
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The core Group schema.
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The service provider configuration.
pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// A resource type description.
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// A schema description.
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// A list response.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// A `POST /.search` body.
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// An attribute's data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    DateTime,
    Reference,
    Binary,
    Complex,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Boolean => "boolean",
            Kind::DateTime => "dateTime",
            Kind::Reference => "reference",
            Kind::Binary => "binary",
            Kind::Complex => "complex",
        }
    }
}

/// Who may write an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// When an attribute is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
        }
    }
}

/// One attribute definition.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: Kind,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    /// `server` uniqueness when true, `none` otherwise.
    pub unique: bool,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [Attribute],
    pub description: &'static str,
    /// How many values a request may give a multi-valued attribute.
    pub max_values: usize,
}

/// How many values a multi-valued attribute takes unless it says otherwise.
pub const MAX_VALUES: usize = 100;
/// How many members one request may give a Group.
pub const MAX_MEMBERS: usize = 20_000;

const fn attr(name: &'static str, kind: Kind, description: &'static str) -> Attribute {
    Attribute {
        name,
        kind,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        unique: false,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
        description,
        max_values: MAX_VALUES,
    }
}

const fn string(name: &'static str, description: &'static str) -> Attribute {
    attr(name, Kind::String, description)
}

const fn complex(
    name: &'static str,
    sub_attributes: &'static [Attribute],
    description: &'static str,
) -> Attribute {
    let mut a = attr(name, Kind::Complex, description);
    a.sub_attributes = sub_attributes;
    a
}

impl Attribute {
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn at_most(mut self, n: usize) -> Self {
        self.max_values = n;
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    const fn write_only(mut self) -> Self {
        self.mutability = Mutability::WriteOnly;
        self.returned = Returned::Never;
        self
    }
    const fn always(mut self) -> Self {
        self.returned = Returned::Always;
        self
    }
    const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
    const fn references(mut self, types: &'static [&'static str]) -> Self {
        self.reference_types = types;
        self
    }

    /// The sub-attribute called `name` (case-insensitively).
    pub fn sub(&self, name: &str) -> Option<&'static Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A schema: its URN, name and attributes.
#[derive(Debug)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

impl Schema {
    /// The attribute called `name` (case-insensitively).
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A plural value's `value`, `display`, `type` and `primary`, with these `type` values.
macro_rules! plural {
    ($name:literal, $types:expr, $description:literal) => {
        plural!($name, $types, $description, string("value", "The value."))
    };
    ($name:literal, $types:expr, $description:literal, $value:expr) => {
        complex(
            $name,
            &[
                $value,
                string("display", "A human-readable name, for display only."),
                string("type", "A label for the value's function.").canonical($types),
                attr(
                    "primary",
                    Kind::Boolean,
                    "Whether this is the preferred value (at most one is).",
                ),
            ],
            $description,
        )
        .multi()
    };
}

/// The common attributes every resource has (RFC 7643 §3.1).
pub static COMMON: Schema = Schema {
    id: "",
    name: "Common",
    description: "Attributes of every resource.",
    attributes: &[
        string("id", "The resource's identifier, chosen by Tessera.")
            .case_exact()
            .read_only()
            .always()
            .unique(),
        string("externalId", "The resource's identifier in the directory.").case_exact(),
        complex(
            "meta",
            &[
                string("resourceType", "The resource type.")
                    .case_exact()
                    .read_only(),
                attr("created", Kind::DateTime, "When the resource was created.").read_only(),
                attr(
                    "lastModified",
                    Kind::DateTime,
                    "When the resource was last changed.",
                )
                .read_only(),
                attr("location", Kind::Reference, "The resource's URI.")
                    .case_exact()
                    .read_only()
                    .references(&["uri"]),
                string("version", "The resource's entity tag.")
                    .case_exact()
                    .read_only(),
            ],
            "Resource metadata.",
        )
        .read_only(),
    ],
};

/// The core User schema (RFC 7643 §4.1).
pub static USER_SCHEMA: Schema = Schema {
    id: USER,
    name: "User",
    description: "User Account",
    attributes: &[
        string(
            "userName",
            "The directory's unique identifier for the user, unique within the organization.",
        )
        .required()
        .unique(),
        complex(
            "name",
            &[
                string("formatted", "The full name, formatted for display."),
                string("familyName", "The family name."),
                string("givenName", "The given name."),
                string("middleName", "The middle name(s)."),
                string("honorificPrefix", "The honorific prefix, such as Ms."),
                string("honorificSuffix", "The honorific suffix, such as III."),
            ],
            "The components of the user's name.",
        ),
        string("displayName", "The name to display."),
        string("nickName", "The casual name."),
        attr("profileUrl", Kind::Reference, "The user's online profile.").references(&["external"]),
        string("title", "The user's title, such as Vice President."),
        string(
            "userType",
            "The relationship to the organization, such as Employee.",
        ),
        string(
            "preferredLanguage",
            "The preferred language, such as en-US.",
        ),
        string("locale", "The default location, such as en-US."),
        string("timezone", "The time zone, such as America/Los_Angeles."),
        attr(
            "active",
            Kind::Boolean,
            "Whether the user may sign in to the organization.",
        ),
        string("password", "The user's password; never returned.").write_only(),
        plural!("emails", &["work", "home", "other"], "Email addresses."),
        plural!(
            "phoneNumbers",
            &["work", "home", "mobile", "fax", "pager", "other"],
            "Phone numbers."
        ),
        plural!(
            "ims",
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            "Instant messaging addresses."
        ),
        plural!(
            "photos",
            &["photo", "thumbnail"],
            "Photo URLs.",
            attr("value", Kind::Reference, "The photo's URL.").references(&["external"])
        ),
        complex(
            "addresses",
            &[
                string("formatted", "The full address, formatted for display."),
                string("streetAddress", "The street address."),
                string("locality", "The city or locality."),
                string("region", "The state or region."),
                string("postalCode", "The postal code."),
                string("country", "The country, as an ISO 3166-1 alpha-2 code."),
                string("type", "A label for the address.").canonical(&["work", "home", "other"]),
                attr(
                    "primary",
                    Kind::Boolean,
                    "Whether this is the preferred address.",
                ),
            ],
            "Physical mailing addresses.",
        )
        .multi(),
        complex(
            "groups",
            &[
                string("value", "The group's id.").read_only(),
                attr("$ref", Kind::Reference, "The group's URI.")
                    .read_only()
                    .references(&["Group"]),
                string("display", "The group's name.").read_only(),
                string("type", "direct or indirect.")
                    .read_only()
                    .canonical(&["direct", "indirect"]),
            ],
            "The groups the user belongs to, managed through the Group resource.",
        )
        .multi()
        .read_only(),
        plural!("entitlements", &[], "Entitlements."),
        plural!("roles", &[], "Roles."),
        plural!(
            "x509Certificates",
            &[],
            "Certificates.",
            attr("value", Kind::Binary, "A DER certificate, base64-encoded.")
        ),
    ],
};

/// The enterprise User extension (RFC 7643 §4.3).
pub static ENTERPRISE_USER_SCHEMA: Schema = Schema {
    id: ENTERPRISE_USER,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        string("employeeNumber", "The employee number."),
        string("costCenter", "The cost center."),
        string("organization", "The organization's name."),
        string("division", "The division."),
        string("department", "The department."),
        complex(
            "manager",
            &[
                string("value", "The manager's id."),
                attr("$ref", Kind::Reference, "The manager's URI.").references(&["User"]),
                string("displayName", "The manager's name.").read_only(),
            ],
            "The user's manager.",
        ),
    ],
};

/// The core Group schema (RFC 7643 §4.2).
pub static GROUP_SCHEMA: Schema = Schema {
    id: GROUP,
    name: "Group",
    description: "Group",
    attributes: &[
        string(
            "displayName",
            "The group's name, unique within the organization (compared without case).",
        )
        .required()
        .unique(),
        complex(
            "members",
            &[
                string(
                    "value",
                    "The member's id (a User of the same organization).",
                )
                .immutable(),
                attr("$ref", Kind::Reference, "The member's URI.")
                    .immutable()
                    .references(&["User"]),
                string("display", "The member's userName.").read_only(),
                string("type", "The member's resource type.")
                    .immutable()
                    .canonical(&["User"]),
            ],
            "The group's members (Users; nested groups are not supported).",
        )
        .multi()
        .at_most(MAX_MEMBERS),
    ],
};

/// The schema whose URN is `urn` (case-insensitively), among those of a User.
pub fn user_schema(urn: &str) -> Option<&'static Schema> {
    [&USER_SCHEMA, &ENTERPRISE_USER_SCHEMA]
        .into_iter()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case() {
        assert_eq!(
            USER_SCHEMA.attribute("USERNAME").map(|a| a.name),
            Some("userName")
        );
        let emails = USER_SCHEMA.attribute("emails").unwrap();
        assert!(emails.multi_valued);
        assert_eq!(emails.sub("VALUE").map(|a| a.name), Some("value"));
        assert!(user_schema(&ENTERPRISE_USER.to_uppercase()).is_some());
        assert_eq!(
            USER_SCHEMA.attribute("password").unwrap().returned,
            Returned::Never
        );
    }
}
