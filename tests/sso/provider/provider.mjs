// A real OpenID Connect provider for the SSO tests: node provider.mjs <port>.
// Clients and accounts come as JSON in OIDC_CLIENTS and OIDC_ACCOUNTS; any login and
// password are accepted on the development login form (the login is the account id).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
// With OIDC_ACCOUNTS_FILE the accounts are read at every look-up: a test can change a group.
const currentAccounts = () =>
  process.env.OIDC_ACCOUNTS_FILE
    ? JSON.parse(readFileSync(process.env.OIDC_ACCOUNTS_FILE, 'utf8'))
    : accounts;

const provider = new Provider(issuer, {
  clients,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  cookies: { keys: ['sso-tests-only'] },
  async findAccount(ctx, id) {
    const claims = currentAccounts()[id] || { email: id, email_verified: true };
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

function stop() {
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
