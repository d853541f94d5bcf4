//! The data carried by inline buttons: a typed, versioned enum, at most 64 bytes, parsed
//! without panics. Unknown versions and forged data parse to `None` and get a polite answer.

use diana_actors::domain::Action;

/// Bump when the meaning of an encoding changes; older buttons then read as stale.
const VERSION: &str = "1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackData {
    Menu,
    Profile,
    Help,
    Privacy,
    ExportData,
    AskDelete,
    ConfirmDelete,
    CancelDelete,
    Daily,
    Besitos,
}

impl CallbackData {
    pub const ALL: [CallbackData; 10] = [
        CallbackData::Menu,
        CallbackData::Profile,
        CallbackData::Help,
        CallbackData::Privacy,
        CallbackData::ExportData,
        CallbackData::AskDelete,
        CallbackData::ConfirmDelete,
        CallbackData::CancelDelete,
        CallbackData::Daily,
        CallbackData::Besitos,
    ];

    fn code(self) -> &'static str {
        match self {
            CallbackData::Menu => "m",
            CallbackData::Profile => "p",
            CallbackData::Help => "h",
            CallbackData::Privacy => "pv",
            CallbackData::ExportData => "ex",
            CallbackData::AskDelete => "dq",
            CallbackData::ConfirmDelete => "dy",
            CallbackData::CancelDelete => "dn",
            CallbackData::Daily => "g",
            CallbackData::Besitos => "b",
        }
    }

    pub fn encode(self) -> String {
        format!("{VERSION}:{}", self.code())
    }

    pub fn parse(data: &str) -> Option<CallbackData> {
        let (version, code) = data.split_once(':')?;
        if version != VERSION {
            return None;
        }
        CallbackData::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn action(self) -> Action {
        match self {
            CallbackData::Menu => Action::ShowMenu,
            CallbackData::Profile => Action::ShowProfile,
            CallbackData::Help => Action::ShowHelp,
            CallbackData::Privacy => Action::ShowPrivacy,
            CallbackData::ExportData => Action::ExportMyData,
            CallbackData::AskDelete => Action::AskDeleteMyData,
            CallbackData::ConfirmDelete => Action::ConfirmDeleteMyData,
            CallbackData::CancelDelete => Action::CancelDeleteMyData,
            CallbackData::Daily => Action::ClaimDaily,
            CallbackData::Besitos => Action::ShowBesitos,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_button_round_trips_within_telegram_limit() {
        for data in CallbackData::ALL {
            let encoded = data.encode();
            assert!(!encoded.is_empty() && encoded.len() <= 64, "{encoded}");
            assert_eq!(CallbackData::parse(&encoded), Some(data));
        }
    }

    #[test]
    fn old_versions_and_forgeries_are_rejected() {
        for forged in ["0:m", "2:m", "1:", "1:zz", "m", "", "1:m:extra", "💋:m"] {
            assert_eq!(CallbackData::parse(forged), None, "{forged}");
        }
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_data_never_panics(s in ".{0,64}") {
            if let Some(d) = CallbackData::parse(&s) {
                prop_assert_eq!(d.encode(), s);
            }
        }
    }
}
