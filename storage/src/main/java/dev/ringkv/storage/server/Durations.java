package dev.ringkv.storage.server;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A duration on the command line: a whole number and a unit, such as 30s, 5m, 12h or 3d. */
final class Durations implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String text) {
    if (!text.matches("\\d{1,9}[smhd]")) {
      throw new TypeConversionException("'" + text + "' is not a duration such as 30s, 5m, 12h "
          + "or 3d");
    }
    long n = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
