// Where identities' shared state lives, beside the jobs: the signing secret (when the operator set
// none, the first master makes one and every later master on the same data uses it) and the
// revoked ids. Revocation is the seam blacklisting builds on.
export interface IdentityStore {
  /** The stored secret, or `candidate` stored now if there was none (first writer wins). */
  secretOr(candidate: string): Promise<string>;
  isRevoked(workerId: string): Promise<boolean>;
  revoke(workerId: string): Promise<void>;
  close(): Promise<void>;
}
