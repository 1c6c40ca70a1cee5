// A certified OpenID Connect provider (the `oidc-provider` package) on loopback, for the single sign-on tests.
//
// Usage: node provider.mjs <path to oidc-provider's lib/index.js> <port> <redirect_uri> <client_id> <client_secret>
// Prints "ready <issuer>" once it listens. Anyone signs in with the provider's development login form
// (any login name and password): the login name becomes the subject, with a display name and e-mail
// derived from it. The workbench is a first-party client, so no consent screen is shown.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [modulePath, port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(modulePath).href);
const issuer = `http://127.0.0.1:${port}`;

// A fresh signing key per run: nothing secret is committed.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

function displayName(login) {
  return login.split(/[._-]/).filter(Boolean).map((part) => part[0].toUpperCase() + part.slice(1)).join(' ');
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  // Claims in the ID token itself, as the usual corporate providers send them (the relying party reads
  // the ID token, not the userinfo endpoint).
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, name: displayName(sub), email: `${sub}@example.com`, email_verified: true };
      },
    };
  },
  // First-party client: every requested scope is granted without a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
