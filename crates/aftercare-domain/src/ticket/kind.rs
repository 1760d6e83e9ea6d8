//! What a ticket is about, how it came in, and how urgent it is.

use crate::codes::code_enum;

code_enum! {
    /// What the customer needs.
    pub enum TicketType ("ticket type") {
        /// Something is broken (维修).
        Repair = "repair",
        /// A new unit must be installed (安装).
        Installation = "installation",
        /// Scheduled upkeep, e.g. cleaning an air conditioner (保养).
        Maintenance = "maintenance",
        /// A complaint about the product or the service (客诉).
        Complaint = "complaint",
        /// A question that may need no visit (咨询).
        Enquiry = "enquiry",
    }
}

code_enum! {
    /// Where the request came from.
    pub enum Channel ("channel") {
        /// The "400" hotline.
        Hotline = "hotline",
        /// The company's web form.
        Web = "web",
        /// A retailer filed it for its customer.
        Retailer = "retailer",
        /// An e-shop (JD, Tmall, ...) filed it.
        EShop = "e_shop",
    }
}

code_enum! {
    /// How urgently the ticket must be handled; ordered from least to most urgent.
    #[derive(Default)]
    pub enum Priority ("priority") {
        /// Can wait.
        Low = "low",
        /// The default.
        #[default]
        Normal = "normal",
        /// Ahead of normal tickets.
        High = "high",
        /// Drop everything (safety, VIP, media complaint).
        Urgent = "urgent",
    }
}

impl TicketType {
    /// Whether this kind of ticket normally needs a technician at the customer's place.
    ///
    /// Enquiries and complaints can be resolved by the call centre; the state machine still lets
    /// them be dispatched when they turn out to need a visit.
    pub fn usually_needs_visit(self) -> bool {
        matches!(
            self,
            TicketType::Repair | TicketType::Installation | TicketType::Maintenance
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for t in TicketType::ALL {
            assert_eq!(TicketType::parse(t.code()), Ok(*t));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Ok(*c));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.code()), Ok(*p));
        }
    }

    #[test]
    fn codes_are_the_documented_snake_case_strings() {
        let types: Vec<_> = TicketType::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(
            types,
            [
                "repair",
                "installation",
                "maintenance",
                "complaint",
                "enquiry"
            ]
        );
        let channels: Vec<_> = Channel::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(channels, ["hotline", "web", "retailer", "e_shop"]);
        assert!(Channel::parse("eshop").is_err());
    }

    #[test]
    fn priorities_order_from_low_to_urgent_and_default_to_normal() {
        assert!(Priority::Low < Priority::Normal);
        assert!(Priority::High < Priority::Urgent);
        assert_eq!(Priority::default(), Priority::Normal);
    }

    #[test]
    fn only_field_work_usually_needs_a_visit() {
        assert!(TicketType::Repair.usually_needs_visit());
        assert!(!TicketType::Enquiry.usually_needs_visit());
        assert!(!TicketType::Complaint.usually_needs_visit());
    }
}
