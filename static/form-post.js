// Submits the OAuth 2.0 Form Post response (the CSP allows no inline script).
document.getElementById("response").submit();
