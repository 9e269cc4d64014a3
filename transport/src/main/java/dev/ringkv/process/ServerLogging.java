package dev.ringkv.process;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.Logger;

/**
 * A server's logging, set up in code (found by logback as a service): INFO and up to stdout, or
 * with the log-file option ({@link ProcessLog}) to that file, rolling at 10 MB into FILE.1 ..
 * FILE.5 (at most 60 MB per process); each line names the node it is about. Configured in code
 * because reading an XML configuration took twice the CPU, in every process of a starting
 * cluster. An operator's configuration ({@code -Dlogback.configurationFile=FILE}) and a test
 * classpath's {@code logback-test.xml} still take precedence.
 */
public final class ServerLogging extends ContextAwareBase implements Configurator {

  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%X{node:-NAME}] %logger{0} - %msg%n";
  private static final int ROLLED_FILES = 5;

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || getClass().getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN.replace("NAME", System.getProperty(ProcessLog.NAME_PROPERTY,
        "ringkv")));
    encoder.start();
    String file = System.getProperty(ProcessLog.FILE_PROPERTY);
    OutputStreamAppender<ILoggingEvent> appender = file == null ? new ConsoleAppender<>()
        : rollingFile(context, file);
    appender.setContext(context);
    appender.setName("LOG");
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(appender);
    // gRPC logs every dropped connection at INFO; Ratis every setting it reads, term and election.
    context.getLogger("io.grpc").setLevel(Level.WARN);
    context.getLogger("org.apache.ratis").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static RollingFileAppender<ILoggingEvent> rollingFile(LoggerContext context,
      String file) {
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setFile(file);
    FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
    rolling.setContext(context);
    rolling.setParent(appender);
    rolling.setFileNamePattern(file + ".%i");
    rolling.setMinIndex(1);
    rolling.setMaxIndex(ROLLED_FILES);
    rolling.start();
    SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
    trigger.setContext(context);
    trigger.setMaxFileSize(FileSize.valueOf("10MB"));
    trigger.start();
    appender.setRollingPolicy(rolling);
    appender.setTriggeringPolicy(trigger);
    return appender;
  }
}
