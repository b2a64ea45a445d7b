package dev.whodrove.decoder;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import java.util.Map;

/** Makes the decoder findable by {@code whodrove run recording-decoder} and the container entry point. */
public final class RecordingDecoderServiceFactory implements ServiceFactory {
  public static final int HTTP_PORT = 9403;

  @Override
  public String name() {
    return RecordingDecoderService.NAME;
  }

  @Override
  public String keyPrefix() {
    return DecoderConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return HTTP_PORT;
  }

  @Override
  public Map<String, String> renamedKeys() {
    return DecoderConfig.RENAMED_KEYS;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new RecordingDecoderService(ctx);
  }
}
