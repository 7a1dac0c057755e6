package io.pagedstream.engine;

import io.pagedstream.core.request.FinishReason;

/**
 * A finished request: its generated ids and why it stopped, with the error's one-line message when
 * it failed.
 *
 * @param firstTokenMillis from arrival to the first generated token, or -1 if none
 * @param totalMillis from arrival to the end
 */
public record RequestOutput(
    String id,
    int[] promptTokenIds,
    int[] outputTokenIds,
    FinishReason finishReason,
    String error,
    double firstTokenMillis,
    double totalMillis) {

  public boolean isError() {
    return finishReason == FinishReason.ERROR;
  }
}
