package io.pagedstream.engine;

/**
 * A finished request: its generated ids and why it stopped ("length", "stop" or "error"), with the
 * error's one-line message when it failed.
 *
 * @param firstTokenMillis from arrival to the first generated token, or -1 if none
 * @param totalMillis from arrival to the end
 */
public record RequestOutput(
    String id,
    int[] promptTokenIds,
    int[] outputTokenIds,
    String finishReason,
    String error,
    double firstTokenMillis,
    double totalMillis) {

  public boolean isError() {
    return "error".equals(finishReason);
  }
}
