//! The sign-up to sign-out journey in a real Chromium (Debian's chromium and chromium-driver),
//! typing and clicking as a person would, mail read from the development mail page.

use crate::support::webdriver::{self, WebDriver};
use crate::support::{Backend, PASSWORD, TestServer};

fn browser_or_skip() -> Option<WebDriver> {
    match webdriver::installed() {
        Some((driver, chromium)) => Some(WebDriver::start(&driver, &chromium)),
        None if std::env::var_os("TESSERA_REQUIRE_BROWSER").is_some() => {
            panic!("TESSERA_REQUIRE_BROWSER is set but chromium/chromedriver are not installed")
        }
        None => {
            eprintln!(
                "\n!!! SKIPPING the browser test: install Debian's chromium and chromium-driver (tests/run.sh does). !!!\n"
            );
            None
        }
    }
}

fn snap(driver: &WebDriver, name: &str) {
    if let Some(dir) = std::env::var_os("TESSERA_SCREENSHOTS") {
        driver.screenshot(&std::path::Path::new(&dir).join(format!("{name}.png")));
    }
}

#[test]
fn sign_up_verify_change_profile_sign_out_and_back_in() {
    let Some(driver) = browser_or_skip() else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite);
    let base = &server.base_url;

    // Sign up.
    driver.goto(&format!("{base}/sign-up"));
    assert_eq!(
        driver.attribute("#email", "autocomplete").as_deref(),
        Some("email")
    );
    assert_eq!(
        driver.attribute("#password", "autocomplete").as_deref(),
        Some("new-password")
    );
    snap(&driver, "sign-up");
    driver.type_into("#name", "Ada Lovelace");
    driver.type_into("#email", "ada@example.com");
    driver.type_into("#password", PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_text("Check your email");
    snap(&driver, "check-email");

    // Open the mail and its link, as a person would.
    crate::support::mail::wait_for_mail(&server.mailbox(), "ada@example.com", 1);
    driver.goto(&format!("{base}/dev/mail"));
    driver.click(".mail-list a");
    driver.click(".mail-body a");
    driver.wait_for_text("Confirm your email");
    snap(&driver, "confirm-email");
    driver.click("button[type=submit]");
    driver.wait_for_text("Welcome! Your account is ready.");
    assert!(driver.current_url().ends_with("/account?notice=welcome"));
    snap(&driver, "account");

    // Change the display name.
    driver.type_into("#name", "Countess Lovelace");
    driver.click("form[action='/account/profile'] button[type=submit]");
    driver.wait_for_text("Your profile was saved.");
    assert_eq!(
        driver.attribute("#name", "value").as_deref(),
        Some("Countess Lovelace")
    );

    // Sign out.
    driver.click("form[action='/sign-out'] button[type=submit]");
    driver.wait_for_text("You are signed out.");
    snap(&driver, "signed-out");

    // A wrong password first, then the right one.
    assert_eq!(
        driver.attribute("#email", "autocomplete").as_deref(),
        Some("username")
    );
    assert_eq!(
        driver.attribute("#password", "autocomplete").as_deref(),
        Some("current-password")
    );
    driver.type_into("#email", "ada@example.com");
    driver.type_into("#password", "not my password");
    driver.click("button[type=submit]");
    driver.wait_for_text("Wrong email or password.");
    snap(&driver, "wrong-password");
    driver.type_into("#password", PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_text("Your account");
    assert!(driver.source().contains("Countess Lovelace"));
    assert!(driver.title().contains("Your account"));

    // And out again.
    driver.click("form[action='/sign-out'] button[type=submit]");
    driver.wait_for_text("You are signed out.");
    driver.goto(&format!("{base}/account"));
    driver.wait_for_text("Sign in");
    assert!(
        driver
            .current_url()
            .contains("/sign-in?return_to=%2Faccount")
    );
}
