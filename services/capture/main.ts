/** `npm run capture`: see cli.ts. */
import { runCaptureCli } from './cli.js';

process.exitCode = runCaptureCli(process.argv.slice(2));
