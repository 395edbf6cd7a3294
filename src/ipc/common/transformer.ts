import superjson from 'superjson';

/**
 * The wire format of every DriveUp transport. It lives apart from `trpc.ts` (which needs
 * @trpc/server and Node) so that pages in a browser or a sandboxed renderer use the very same one.
 *
 * superjson keeps `Date`, `Map`, `Set`, `bigint` and `undefined` intact across the wire: job and
 * history records carry dates, and clients should not have to revive them by hand.
 */
export const transformer = superjson;
