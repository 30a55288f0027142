//! Who may do what (DESIGN §2, §8): the roles, the permissions each grants, a warehouse user's reach,
//! and masking the receiver's phone for roles that do not need it.

use crate::{Actor, WarehouseCode};

/// A person's role. Each grants a fixed set of [`Permission`]s; nobody has a permission by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    /// 运营: rules, shops, the review queue, orders and stock.
    Operations,
    /// 客服: finding orders, their timeline, after-sales.
    CustomerService,
    /// 打包员: the shipments of their own warehouses.
    Warehouse,
    /// 财务: money, reconciliation, after-sales (read).
    Finance,
    /// 市场: everything readable that has no personal data; writes nothing.
    Marketing,
}

/// Something a request may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadOrders,
    /// Hold and release orders, re-route them.
    ReviewOrders,
    ReadShipments,
    /// Claim, release, scan and ship.
    WorkShipments,
    /// Take a claim over from its holder.
    SuperviseShipments,
    ReadStock,
    WriteStock,
    ReadAfterSales,
    WriteAfterSales,
    ReadRules,
    WriteRules,
    ReadShops,
    ManageShops,
    ReadMoney,
    ManageUsers,
    /// See receivers' full phone numbers.
    SeePhones,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Operations,
        Role::CustomerService,
        Role::Warehouse,
        Role::Finance,
        Role::Marketing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operations => "operations",
            Role::CustomerService => "customer_service",
            Role::Warehouse => "warehouse",
            Role::Finance => "finance",
            Role::Marketing => "marketing",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|it| it.as_str() == text)
    }

    /// Whether the role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Operations => match permission {
                P::ReadOrders
                | P::ReviewOrders
                | P::ReadShipments
                | P::SuperviseShipments
                | P::ReadStock
                | P::WriteStock
                | P::ReadAfterSales
                | P::WriteAfterSales
                | P::ReadRules
                | P::WriteRules
                | P::ReadShops
                | P::ManageShops
                | P::SeePhones => true,
                P::WorkShipments | P::ReadMoney | P::ManageUsers => false,
            },
            Role::CustomerService => match permission {
                P::ReadOrders
                | P::ReviewOrders
                | P::ReadShipments
                | P::ReadStock
                | P::ReadAfterSales
                | P::WriteAfterSales
                | P::SeePhones => true,
                P::WorkShipments
                | P::SuperviseShipments
                | P::WriteStock
                | P::ReadRules
                | P::WriteRules
                | P::ReadShops
                | P::ManageShops
                | P::ReadMoney
                | P::ManageUsers => false,
            },
            // The packer sees the orders of its parcels and prints their receivers, phone included.
            Role::Warehouse => match permission {
                P::ReadOrders
                | P::ReadShipments
                | P::WorkShipments
                | P::ReadStock
                | P::SeePhones => true,
                P::ReviewOrders
                | P::SuperviseShipments
                | P::WriteStock
                | P::ReadAfterSales
                | P::WriteAfterSales
                | P::ReadRules
                | P::WriteRules
                | P::ReadShops
                | P::ManageShops
                | P::ReadMoney
                | P::ManageUsers => false,
            },
            Role::Finance => match permission {
                P::ReadOrders
                | P::ReadShipments
                | P::ReadAfterSales
                | P::ReadMoney
                | P::ReadShops => true,
                P::ReviewOrders
                | P::WorkShipments
                | P::SuperviseShipments
                | P::ReadStock
                | P::WriteStock
                | P::WriteAfterSales
                | P::ReadRules
                | P::WriteRules
                | P::ManageShops
                | P::ManageUsers
                | P::SeePhones => false,
            },
            Role::Marketing => match permission {
                P::ReadOrders
                | P::ReadShipments
                | P::ReadStock
                | P::ReadAfterSales
                | P::ReadRules
                | P::ReadShops => true,
                P::ReviewOrders
                | P::WorkShipments
                | P::SuperviseShipments
                | P::WriteStock
                | P::WriteAfterSales
                | P::WriteRules
                | P::ManageShops
                | P::ReadMoney
                | P::ManageUsers
                | P::SeePhones => false,
            },
        }
    }
}

/// A signed-in person or an API token acting for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub login: String,
    pub role: Role,
    /// For a warehouse user: the warehouses it works for. Other roles reach every warehouse.
    pub warehouses: Vec<WarehouseCode>,
    /// A token's narrowing of the role: only these permissions (empty: all the role grants).
    pub scopes: Vec<Permission>,
}

impl Principal {
    pub fn may(&self, permission: Permission) -> bool {
        self.role.allows(permission)
            && (self.scopes.is_empty() || self.scopes.contains(&permission))
    }

    /// Whether the principal may see or touch `warehouse`'s work.
    pub fn reaches(&self, warehouse: &WarehouseCode) -> bool {
        match self.role {
            Role::Warehouse => self.warehouses.contains(warehouse),
            Role::Admin
            | Role::Operations
            | Role::CustomerService
            | Role::Finance
            | Role::Marketing => true,
        }
    }

    /// Who the event log names for this principal's changes.
    pub fn actor(&self) -> Actor {
        Actor::User(self.login.clone())
    }

    /// The receiver's phone as this principal may see it: whole, or `138****1234`.
    pub fn phone(&self, phone: &str) -> String {
        match self.may(Permission::SeePhones) {
            true => phone.to_owned(),
            false => mask_phone(phone),
        }
    }
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Permission::ReadOrders,
        Permission::ReviewOrders,
        Permission::ReadShipments,
        Permission::WorkShipments,
        Permission::SuperviseShipments,
        Permission::ReadStock,
        Permission::WriteStock,
        Permission::ReadAfterSales,
        Permission::WriteAfterSales,
        Permission::ReadRules,
        Permission::WriteRules,
        Permission::ReadShops,
        Permission::ManageShops,
        Permission::ReadMoney,
        Permission::ManageUsers,
        Permission::SeePhones,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadOrders => "orders:read",
            Permission::ReviewOrders => "orders:review",
            Permission::ReadShipments => "shipments:read",
            Permission::WorkShipments => "shipments:work",
            Permission::SuperviseShipments => "shipments:supervise",
            Permission::ReadStock => "stock:read",
            Permission::WriteStock => "stock:write",
            Permission::ReadAfterSales => "after_sales:read",
            Permission::WriteAfterSales => "after_sales:write",
            Permission::ReadRules => "rules:read",
            Permission::WriteRules => "rules:write",
            Permission::ReadShops => "shops:read",
            Permission::ManageShops => "shops:manage",
            Permission::ReadMoney => "money:read",
            Permission::ManageUsers => "users:manage",
            Permission::SeePhones => "phones:see",
        }
    }

    pub fn parse(text: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|it| it.as_str() == text)
    }
}

/// Keeps the first three and last four digits of a phone number: `138****1234`; shorter numbers keep
/// only their last two.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    match chars.len() {
        0 => String::new(),
        len if len >= 11 => {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[len - 4..].iter().collect();
            format!("{head}{}{tail}", "*".repeat(len - 7))
        }
        len => {
            let keep = len.min(2);
            let tail: String = chars[len - keep..].iter().collect();
            format!("{}{tail}", "*".repeat(len - keep))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role) -> Principal {
        Principal {
            login: "someone".to_owned(),
            role,
            warehouses: vec![WarehouseCode::new("JX01").unwrap()],
            scopes: Vec::new(),
        }
    }

    #[test]
    fn marketing_writes_nothing_and_sees_no_phones() {
        let writes = [
            Permission::ReviewOrders,
            Permission::WorkShipments,
            Permission::SuperviseShipments,
            Permission::WriteStock,
            Permission::WriteAfterSales,
            Permission::WriteRules,
            Permission::ManageShops,
            Permission::ManageUsers,
        ];
        for permission in writes {
            assert!(!Role::Marketing.allows(permission), "{permission:?}");
        }
        assert_eq!(
            principal(Role::Marketing).phone("13800001234"),
            "138****1234"
        );
        assert_eq!(
            principal(Role::Operations).phone("13800001234"),
            "13800001234"
        );
    }

    #[test]
    fn a_warehouse_user_reaches_only_its_warehouses() {
        let packer = principal(Role::Warehouse);
        assert!(packer.reaches(&WarehouseCode::new("JX01").unwrap()));
        assert!(!packer.reaches(&WarehouseCode::new("GZ01").unwrap()));
        assert!(principal(Role::Operations).reaches(&WarehouseCode::new("GZ01").unwrap()));
    }

    #[test]
    fn a_token_narrows_its_role_never_widens_it() {
        let mut token = principal(Role::Marketing);
        token.scopes = vec![Permission::ReadOrders, Permission::WriteRules];
        assert!(token.may(Permission::ReadOrders));
        assert!(!token.may(Permission::WriteRules));
        assert!(!token.may(Permission::ReadStock));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
        }
    }

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("13800001234"), "138****1234");
        assert_eq!(mask_phone("+8613800001234"), "+86*******1234");
        assert_eq!(mask_phone("0571-8888"), "*******88");
        assert_eq!(mask_phone(""), "");
    }
}
