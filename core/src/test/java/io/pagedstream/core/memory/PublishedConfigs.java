package io.pagedstream.core.memory;

import io.pagedstream.core.model.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hugging Face {@code config.json} files of published models kept under {@code
 * src/test/resources/configs/} (shared with the app's tests through core's test-jar).
 */
public final class PublishedConfigs {

  private PublishedConfigs() {}

  /** The config's text, e.g. {@code json("llama-2-13b")}. */
  public static String json(String name) {
    String resource = "/configs/" + name + ".json";
    try (InputStream in = PublishedConfigs.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test config " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ModelSpec spec(String name) {
    return ModelSpec.parse(json(name));
  }

  /** Writes the config as {@code dir/config.json} (a model folder) and returns the folder. */
  public static Path modelDir(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("config.json"), json(name));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
