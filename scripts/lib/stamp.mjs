// postinstall: records which lockfile node_modules was installed from, so `npm test` and `npm run demo` only
// reinstall when it changed.
import { writeLockStamp } from './deps.mjs';

writeLockStamp();
