package io.pagedstream.ingest;

/**
 * Where one request, or its error result, was written.
 *
 * @param id the key it was written under: the request's id, or {@code line-N} for a JSON line whose
 *     id could not be used
 * @param error why it became an error result on the completions topic; null when it went to the
 *     requests topic for the batcher
 */
public record Sent(
    String id, String jobId, String topic, int partition, long offset, String error) {

  public boolean isError() {
    return error != null;
  }
}
