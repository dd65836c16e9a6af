/**
 * How long a product may take to answer a snapshot request with its headers:
 * Nomad and Consul write the whole archive to a temporary file first (to send
 * its digest), which for a multi-GB state takes minutes.
 */
export const SNAPSHOT_HEADERS_TIMEOUT_MS = 5 * 60_000;
