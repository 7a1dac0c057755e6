package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.GenerationRequest;
import java.util.ArrayList;
import java.util.List;

/** Requests for tests. */
final class Requests {

  private Requests() {}

  /** A request of token ids 1..promptLength that the batcher charges a known number of blocks. */
  static GenerationRequest ids(String id, int promptLength, int maxTokens) {
    List<Integer> ids = new ArrayList<>(promptLength);
    for (int i = 0; i < promptLength; i++) {
      ids.add(1 + i % 500);
    }
    return GenerationRequest.newBuilder()
        .setId(id)
        .setJobId("job-1")
        .setPromptTokenIds(ids)
        .setMaxTokens(maxTokens)
        .build();
  }

  /**
   * A request of exactly {@code blocks} 16-token blocks: 8 prompt tokens and {@code 16 * blocks -
   * 8} to generate.
   */
  static GenerationRequest blocks(String id, int blocks) {
    return ids(id, 8, 16 * blocks - 8);
  }

  static GenerationRequest text(String id, String prompt, int maxTokens) {
    return GenerationRequest.newBuilder()
        .setId(id)
        .setJobId("job-1")
        .setPrompt(prompt)
        .setMaxTokens(maxTokens)
        .build();
  }
}
