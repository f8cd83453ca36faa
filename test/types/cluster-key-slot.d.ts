/** The slot calculator ioredis itself uses (a dependency of ioredis): CRC16 of the key's hash tag, mod 16,384. */
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
