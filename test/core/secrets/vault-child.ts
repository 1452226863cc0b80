/**
 * Runs the vault against the real keytar in a child process, so a test can give it a D-Bus environment of its own
 * (no bus, a bus without a Secret Service, a locked keyring). Prints one JSON line with the outcome.
 * Usage: node --import tsx vault-child.ts <service> <op: status|set|get|delete> [value]
 */
import { AppError } from '../../../src/shared/errors';
import { KeychainUnavailableError, Vault } from '../../../src/main/core/secrets/vault';
import { Redactor } from '../../../src/main/core/log/redact';

const [service, op, value] = process.argv.slice(2);
const vault = new Vault({ service: service!, redactor: new Redactor() });

async function main(): Promise<unknown> {
  switch (op) {
    case 'status':
      return vault.status();
    case 'set':
      await vault.set('vapiPrivateKey', value!);
      return 'stored';
    case 'get':
      return vault.get('vapiPrivateKey');
    case 'delete':
      return vault.delete('vapiPrivateKey');
    default:
      throw new Error(`unknown op ${op}`);
  }
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify({ ok: true, result }) + '\n');
  },
  (error: unknown) => {
    const out =
      error instanceof AppError
        ? {
            ok: false,
            error: error.toJSON(),
            problem: error instanceof KeychainUnavailableError ? error.problem : null,
          }
        : { ok: false, error: { code: 'thrown', message: String(error) } };
    process.stdout.write(JSON.stringify(out) + '\n');
  },
);
