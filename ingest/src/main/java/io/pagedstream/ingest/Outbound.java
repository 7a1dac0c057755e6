package io.pagedstream.ingest;

/**
 * One record ingest is about to write, already serialized: a request for the batcher on the
 * requests topic, or an error result on the completions topic. Keyed by {@code id}.
 *
 * @param error the one-line reason when this is an error result, else null
 */
record Outbound(String topic, String id, String jobId, byte[] value, String error) {

  boolean isError() {
    return error != null;
  }
}
