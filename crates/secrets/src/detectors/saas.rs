//! Messaging and SaaS APIs: Slack, Stripe, Twilio, SendGrid.

use super::{matches, re};
use crate::{Confidence, Detector};

re!(
    SLACK_TOK,
    r"\b(xox[baprs]-[0-9]{8,13}-[0-9]{8,13}(?:-[0-9A-Za-z]{8,32})+)\b"
);
re!(
    SLACK_HOOK,
    r"(https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{16,32})"
);
re!(STRIPE, r"\b((?:sk|rk)_live_[0-9A-Za-z]{24,99})\b");
re!(TWILIO, r"\b(SK[0-9a-f]{32})\b");
re!(
    SENDGRID,
    r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)"
);

/// Slack bot, user, app and refresh tokens.
pub static SLACK_TOKEN: Detector = Detector {
    id: "SD008",
    name: "slack-token",
    summary: "a Slack bot, user or app token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-)",
    confidence: Confidence::High,
    anchors: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"],
    find: |_, v| matches(&SLACK_TOK, v),
    true_positives: &[(
        Some("SLACK_BOT_TOKEN"),
        "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1",
    )],
    false_positives: &[(None, "xoxb-not-a-token"), (None, "xoxb-123")],
};

/// Slack incoming-webhook URLs: anyone holding one can post to the channel.
pub static SLACK_WEBHOOK: Detector = Detector {
    id: "SD009",
    name: "slack-webhook-url",
    summary: "a Slack incoming-webhook URL",
    confidence: Confidence::High,
    anchors: &["hooks.slack.com"],
    find: |_, v| matches(&SLACK_HOOK, v),
    true_positives: &[(
        Some("ALERT_WEBHOOK"),
        "https://hooks.slack.com/services/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",
    )],
    false_positives: &[
        (None, "https://hooks.slack.com/services/"),
        (None, "see https://api.slack.com/messaging/webhooks"),
    ],
};

/// Stripe live secret and restricted keys (test-mode keys are not reported).
pub static STRIPE_KEY: Detector = Detector {
    id: "SD010",
    name: "stripe-live-key",
    summary: "a Stripe live secret or restricted key (sk_live_, rk_live_)",
    confidence: Confidence::High,
    anchors: &["sk_live_", "rk_live_"],
    find: |_, v| matches(&STRIPE, v),
    true_positives: &[(
        Some("STRIPE_KEY"),
        "sk_live_51HqR7kQ2mX9vL4pN8wZ1cB6hJ0fG5y",
    )],
    false_positives: &[
        (None, "sk_test_51HqR7kQ2mX9vL4pN8wZ1cB6hJ0fG5y"),
        (None, "sk_live_short"),
    ],
};

/// Twilio API key SIDs (`SK` and 32 hex digits), which pair with their secret.
pub static TWILIO_API_KEY: Detector = Detector {
    id: "SD011",
    name: "twilio-api-key",
    summary: "a Twilio API key (SK and 32 hex digits)",
    confidence: Confidence::Medium,
    anchors: &["SK"],
    find: |_, v| matches(&TWILIO, v),
    true_positives: &[(Some("TWILIO_API_KEY"), "SK3f9a2b7c4d1e8f0a6b5c9d2e7f1a4b8c")],
    false_positives: &[
        (None, "SKU-1234"),
        (None, "SK3F9A2B7C4D1E8F0A6B5C9D2E7F1A4B8C"),
    ],
};

/// SendGrid API keys (`SG.` and two base64url parts).
pub static SENDGRID_API_KEY: Detector = Detector {
    id: "SD012",
    name: "sendgrid-api-key",
    summary: "a SendGrid API key (SG.…)",
    confidence: Confidence::High,
    anchors: &["SG."],
    find: |_, v| matches(&SENDGRID, v),
    true_positives: &[(
        Some("SENDGRID_API_KEY"),
        "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",
    )],
    false_positives: &[(None, "SG.short.short"), (None, "version SG.1.2")],
};

#[cfg(test)]
mod tests {
    #[test]
    fn every_pattern_compiles() {
        for re in [
            &super::SLACK_TOK,
            &super::SLACK_HOOK,
            &super::STRIPE,
            &super::TWILIO,
            &super::SENDGRID,
        ] {
            assert!(re.is_some());
        }
    }
}
