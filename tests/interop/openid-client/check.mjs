// openid-client v6 against a running Tessera: discovery, the code flow with PKCE, state and nonce,
// ID-token validation, UserInfo, refresh with rotation, introspection, revocation, client
// credentials and RP-initiated logout. The browser part (sign-in form) is done with fetch.
// Usage: ISSUER=... APP_ID=... APP_SECRET=... WORKER_ID=... WORKER_SECRET=... node check.mjs
import * as client from 'openid-client';
import assert from 'node:assert/strict';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const issuer = new URL(env('ISSUER'));
const redirectUri = 'http://127.0.0.1/callback';
const insecure = { execute: [client.allowInsecureRequests] }; // plain http on loopback only

const app = await client.discovery(issuer, env('APP_ID'), env('APP_SECRET'),
  client.ClientSecretBasic(env('APP_SECRET')), insecure);

// The authorization request, as the library builds it.
const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const nonce = client.randomNonce();
const authorizeUrl = client.buildAuthorizationUrl(app, {
  redirect_uri: redirectUri,
  scope: 'openid email profile offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
});

// A minimal browser: cookies and redirects by hand.
const cookies = new Map();
async function browse(url, init = {}) {
  const headers = { ...(init.headers ?? {}), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return response;
}
const field = (html, name) => {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  return match?.[1].replaceAll('&amp;', '&').replaceAll('&#x2F;', '/');
};

let response = await browse(authorizeUrl);
while (response.status === 303 && response.headers.get('location').startsWith('/')) {
  response = await browse(new URL(response.headers.get('location'), issuer));
}
const page = await response.text();
response = await browse(new URL('/sign-in', issuer), {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    csrf_token: field(page, 'csrf_token'),
    return_to: field(page, 'return_to'),
    email: env('EMAIL'),
    password: env('PASSWORD'),
  }),
});
while (response.status === 303 && response.headers.get('location').startsWith('/')) {
  response = await browse(new URL(response.headers.get('location'), issuer));
}
const callback = new URL(response.headers.get('location'));
assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);

const tokens = await client.authorizationCodeGrant(app, callback, {
  pkceCodeVerifier: verifier,
  expectedState: state,
  expectedNonce: nonce,
  idTokenExpected: true,
});
const claims = tokens.claims();
assert.equal(claims.email, env('EMAIL'));
console.log('code flow: ID token valid for', claims.sub);

const userinfo = await client.fetchUserInfo(app, tokens.access_token, claims.sub);
assert.equal(userinfo.email, env('EMAIL'));
console.log('userinfo: ok');

const refreshed = await client.refreshTokenGrant(app, tokens.refresh_token);
assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
console.log('refresh: rotated');

const active = await client.tokenIntrospection(app, refreshed.access_token);
assert.equal(active.active, true);
await client.tokenRevocation(app, refreshed.refresh_token);
const revoked = await client.tokenIntrospection(app, refreshed.access_token);
assert.equal(revoked.active, false, 'revoking the refresh token ends the grant');
console.log('introspection and revocation: ok');

const worker = await client.discovery(issuer, env('WORKER_ID'), env('WORKER_SECRET'),
  client.ClientSecretBasic(env('WORKER_SECRET')), insecure);
const granted = await client.clientCredentialsGrant(worker, { scope: 'reports:read' });
assert.equal(granted.scope, 'reports:read');
console.log('client credentials: ok');

// RP-initiated logout needs a fresh sign-in (the grant above was revoked, not the session).
const logoutUrl = client.buildEndSessionUrl(app, {
  id_token_hint: tokens.id_token,
  post_logout_redirect_uri: 'http://127.0.0.1/signed-out',
  state: 'bye',
});
response = await browse(logoutUrl);
assert.equal(response.status, 303);
assert.equal(response.headers.get('location'), 'http://127.0.0.1/signed-out?state=bye');
console.log('RP-initiated logout: ok');
console.log('openid-client interop: all checks passed');
