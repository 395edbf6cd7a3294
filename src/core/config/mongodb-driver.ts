import { createRequire } from 'node:module';
import type * as Driver from 'mongodb';

const require = createRequire(import.meta.url);
let driver: typeof Driver | undefined;

/**
 * The MongoDB driver, loaded on first use. Most agents never configure MongoDB, and loading the
 * driver costs ~20 MB of resident memory for good (its BSON serializer alone holds a 17 MiB
 * buffer from the moment it loads). `require` because the driver is CommonJS and the callers are
 * synchronous (a settings check, a constructor).
 */
export function mongodbDriver(): typeof Driver {
  driver ??= require('mongodb') as typeof Driver;
  return driver;
}
