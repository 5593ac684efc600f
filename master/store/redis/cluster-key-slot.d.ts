// The package ships no types: its default export is Redis Cluster's CRC16 of a key (its hash tag, if any) mod 16384.
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
