package io.pagedstream.ingest;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * Makes job ids people can read and sort: {@code job-20250301-142233-7f3a9c} (UTC start time plus
 * 24 random bits, so two jobs started in the same second still differ).
 */
public final class JobIds {

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private JobIds() {}

  public static String generate() {
    return generate(Clock.systemUTC(), RandomGenerator.getDefault());
  }

  public static String generate(Clock clock, RandomGenerator random) {
    byte[] suffix = new byte[3];
    random.nextBytes(suffix);
    return "job-" + STAMP.format(clock.instant()) + "-" + HexFormat.of().formatHex(suffix);
  }
}
