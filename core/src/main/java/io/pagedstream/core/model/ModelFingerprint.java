package io.pagedstream.core.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A short identity of a model's weights and configuration, so that cached responses are reused only
 * by the same model: SHA-256 over {@code config.json}, {@code tokenizer.json} when present, and
 * each safetensors file's size, its first megabyte (the header: tensor names, dtypes, shapes) and
 * 64 KiB samples at 32 places spread over the rest. Sampling instead of reading every weight keeps
 * it instant for multi-gigabyte checkpoints while still telling apart fine-tunes of one base model,
 * whose layouts and sizes are identical.
 */
public final class ModelFingerprint {

  private static final int HEAD_BYTES = 1 << 20;
  private static final int SAMPLE_BYTES = 1 << 16;
  private static final int SAMPLES = 32;

  private ModelFingerprint() {}

  private static void sampleInto(MessageDigest sha, Path file) throws IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
      long size = ch.size();
      ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, HEAD_BYTES));
      ch.read(head, 0);
      sha.update(head.flip());
      ByteBuffer sample = ByteBuffer.allocate(SAMPLE_BYTES);
      for (int i = 1; i <= SAMPLES && size > HEAD_BYTES; i++) {
        long at = HEAD_BYTES + (size - HEAD_BYTES) * i / (SAMPLES + 1);
        sample.clear();
        ch.read(sample, at);
        sha.update(sample.flip());
      }
    }
  }

  public static String of(Path modelDir) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String name : List.of("config.json", "tokenizer.json")) {
        Path p = modelDir.resolve(name);
        if (Files.isRegularFile(p)) {
          sha.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
          sha.update(Files.readAllBytes(p));
        }
      }
      try (Stream<Path> files = Files.list(modelDir)) {
        for (Path p :
            files
                .filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                .sorted()
                .toList()) {
          sha.update(p.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          sha.update(
              ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(Files.size(p)).array());
          sampleInto(sha, p);
        }
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 12);
    } catch (IOException e) {
      throw new ModelFormatException("cannot fingerprint " + modelDir + ": " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
