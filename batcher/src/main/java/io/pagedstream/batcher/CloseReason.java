package io.pagedstream.batcher;

import java.util.Locale;

/** Why an open batch was sent. */
public enum CloseReason {
  /** It reached the KV budget or the request limit: nothing more can join it. */
  FULL,
  /** A request fitted no open batch and no more batches could be opened: the fullest went. */
  NO_ROOM,
  /** It was open for the flush interval. */
  AGE;

  /** The name used as a metric tag and in logs. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
