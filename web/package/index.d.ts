export interface InitOptions {
  /** The site id of the config on the collector (`data-site`). */
  site: string;
  /** The collector's origin, e.g. "https://stats.example.com" (`data-endpoint`). */
  endpoint: string;
  /** Track on localhost / 127.0.0.1 (off by default: development traffic). */
  allowLocalhost?: boolean;
  /** Track automated browsers (navigator.webdriver; off by default: bots). */
  allowWebdriver?: boolean;
}

/** The session summary as decoded by the core; see the collector's docs. */
export interface SessionSummary {
  version: number;
  site: string;
  nonce: string;
  seq: number;
  duration_s: number;
  active_s: number;
  page_views: number;
  entry_page: string;
  exit_page: string;
  path: Array<{ micro: string; at_s: number }>;
  funnels: Array<{ funnel: string; converted: boolean; furthest: number; reached: string[] }>;
  [field: string]: unknown;
}

export function init(options: InitOptions): void;
export function track(name: string, props?: Record<string, unknown>): Promise<void>;
export function consent(granted: boolean): Promise<void>;
export function inspect(): Promise<SessionSummary | null>;
export function inspect(options: {
  bytes: true;
}): Promise<{ summary: SessionSummary; hex: string } | null>;
/** `sent` is false when nothing changed since the last send or sending is off. */
export function flush(): Promise<{ sent: boolean; seq: number | null } | null>;
