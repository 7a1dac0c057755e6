package io.pagedstream.core.request;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The response cache's key: a hash of everything that determines a deterministic request's output
 * (the model, the prompt's token ids and every sampling parameter, seed included). Requests that
 * are not deterministic (sampled without a seed) have none: their answers must not be reused.
 */
public final class CacheKey {

  private CacheKey() {}

  public static Optional<String> of(
      String modelFingerprint, int[] promptTokenIds, SamplingParams p) {
    if (!p.isDeterministic()) {
      return Optional.empty();
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(modelFingerprint.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      ByteBuffer b = ByteBuffer.allocate(4 * promptTokenIds.length + 64);
      b.putInt(promptTokenIds.length);
      for (int t : promptTokenIds) {
        b.putInt(t);
      }
      // greedy ignores the other sampling parameters, so equal greedy requests share an entry
      boolean greedy = p.isGreedy();
      b.putDouble(greedy ? 0 : p.temperature());
      b.putDouble(greedy ? 1 : p.topP());
      b.putInt(greedy ? 0 : p.topK());
      b.putLong(greedy || p.seed() == null ? 0 : p.seed());
      b.putInt(p.maxTokens());
      b.put((byte) (p.ignoreEos() ? 1 : 0));
      b.putInt(p.n());
      b.putInt(p.logprobs() == null ? -1 : p.logprobs());
      sha.update(b.array(), 0, b.position());
      // stop conditions change where an output ends, so they are part of the key
      for (String s : p.stop()) {
        sha.update((s + '\u0000').getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      for (int t : p.stopTokenIds()) {
        sha.update(ByteBuffer.allocate(4).putInt(t).array());
      }
      return Optional.of(HexFormat.of().formatHex(sha.digest()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
