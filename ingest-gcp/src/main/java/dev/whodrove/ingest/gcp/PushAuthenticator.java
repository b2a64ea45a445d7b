package dev.whodrove.ingest.gcp;

import com.google.api.client.json.webtoken.JsonWebSignature;
import com.google.api.client.json.webtoken.JsonWebToken;
import com.google.auth.oauth2.TokenVerifier;
import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may push: requests must carry {@code Authorization: Bearer <token>} where the token is either
 *
 * <ul>
 *   <li>an OIDC identity token Pub/Sub signed for the push subscription's service account: signature checked against
 *       Google's published keys (RS256/ES256, by key id), issuer Google's, audience the configured one, not expired,
 *       issued in the past, {@code email} one of the configured service accounts with {@code email_verified} true;
 *       or</li>
 *   <li>the configured shared token (test set-ups), compared in constant time.</li>
 * </ul>
 *
 * <p>A service configured with neither refuses to start unless {@code gcp.push.insecure=true}.
 */
final class PushAuthenticator {
  static final String TOKEN = IngestGcpService.PUSH_TOKEN;
  static final String AUDIENCE = "gcp.push.oidc.audience";
  static final String EMAIL = "gcp.push.oidc.email";
  static final String CERTS_URL = "gcp.push.oidc.certs.url";
  static final String INSECURE = "gcp.push.insecure";
  /** Where Google publishes the keys that sign its OIDC identity tokens (JWKS). */
  static final String GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs";
  static final Set<String> GOOGLE_ISSUERS = Set.of("accounts.google.com", "https://accounts.google.com");
  /** How far in the future an {@code iat} may lie (clock skew between Google and this host). */
  static final Duration MAX_SKEW = Duration.ofMinutes(5);
  /** How often an unknown key id may make the verifier fetch the keys again (key rotation). */
  static final Duration KEY_REFRESH_INTERVAL = Duration.ofMinutes(5);
  static final int MAX_TOKEN_CHARS = 8192;

  /** The outcome of a check: who pushed, or why not. */
  sealed interface Result permits Allowed, Denied, Unavailable {}

  /** @param principal the verified service account, {@code shared-token} or {@code anonymous} */
  record Allowed(String principal) implements Result {}

  /** @param reason a short tag (metrics) and a sentence for the 401 body */
  record Denied(String reason, String message) implements Result {}

  /** The token could not be checked now (the signing keys could not be fetched): answer 503 so Pub/Sub retries. */
  record Unavailable(String message) implements Result {}

  private final byte[] sharedTokenDigest;
  private final String audience;
  private final Set<String> emails;
  private final String certsUrl;
  private final boolean insecure;
  private final Clock clock;
  private volatile TokenVerifier verifier;
  private volatile long verifierBuiltAtMillis;

  PushAuthenticator(String sharedToken, String audience, Set<String> emails, String certsUrl, boolean insecure,
      Clock clock) {
    this.sharedTokenDigest = sharedToken == null || sharedToken.isEmpty() ? null : sha256(sharedToken);
    this.audience = audience;
    this.emails = emails.stream().map(e -> e.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    this.certsUrl = certsUrl;
    this.insecure = insecure;
    this.clock = clock;
    if (audience != null) {
      this.verifier = newVerifier();
    }
  }

  /** Reads the push authentication keys; fails with one line naming them when the endpoint would be open. */
  static PushAuthenticator from(ServiceConfig cfg) {
    String audience = cfg.get(AUDIENCE, null);
    Set<String> emails = Arrays.stream(cfg.get(EMAIL, "").split(",")).map(String::strip).filter(s -> !s.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
    if (audience != null && emails.isEmpty()) {
      throw new ConfigException("missing required config " + EMAIL + " (set " + ServiceConfig.keyToEnv(EMAIL)
          + "): the push subscription's service account, required with " + AUDIENCE
          + " (anyone can obtain a Google-signed token for any audience)");
    }
    if (audience == null && !emails.isEmpty()) {
      throw new ConfigException("missing required config " + AUDIENCE + " (set " + ServiceConfig.keyToEnv(AUDIENCE)
          + "): the audience the push subscription puts in its tokens, required with " + EMAIL);
    }
    String token = cfg.get(TOKEN, null);
    boolean insecure = cfg.getBoolean(INSECURE, false);
    if (audience == null && token == null && !insecure) {
      throw new ConfigException("the Pub/Sub push endpoint (" + IngestGcpService.PUSH_PORT + ") needs "
          + AUDIENCE + " and " + EMAIL + " (" + ServiceConfig.keyToEnv(AUDIENCE) + ", "
          + ServiceConfig.keyToEnv(EMAIL) + ") to verify Pub/Sub's OIDC tokens, or " + TOKEN + " ("
          + ServiceConfig.keyToEnv(TOKEN) + " or " + ServiceConfig.keyToEnv(TOKEN + ServiceConfig.FILE_SUFFIX)
          + "), or " + INSECURE + "=true to accept unauthenticated pushes");
    }
    return new PushAuthenticator(token, audience, emails, cfg.get(CERTS_URL, GOOGLE_CERTS_URL), insecure,
        Clock.systemUTC());
  }

  /** Whether any request is checked at all (false only in insecure mode without credentials). */
  boolean authenticates() {
    return audience != null || sharedTokenDigest != null;
  }

  boolean oidc() {
    return audience != null;
  }

  /** Checks the {@code Authorization} header value (may be null). */
  Result check(String authorization) {
    if (!authenticates()) {
      return new Allowed("anonymous");
    }
    if (authorization == null || authorization.isBlank()) {
      return new Denied("missing", "missing Authorization: Bearer <token>");
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return new Denied("scheme", "the Authorization header must be a Bearer token");
    }
    String token = authorization.substring(7).strip();
    if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      return new Denied("malformed", "empty or oversized bearer token");
    }
    if (sharedTokenDigest != null && MessageDigest.isEqual(sharedTokenDigest, sha256(token))) {
      return new Allowed("shared-token");
    }
    if (audience == null) {
      return new Denied("wrong_token", "wrong bearer token");
    }
    return verifyOidc(token);
  }

  private Result verifyOidc(String token) {
    if (token.chars().filter(c -> c == '.').count() != 2) {
      return new Denied("malformed", "the bearer token is not a signed JWT");
    }
    JsonWebSignature jws;
    try {
      jws = verifier.verify(token);
    } catch (TokenVerifier.VerificationException e) {
      String m = String.valueOf(e.getMessage());
      if (m.startsWith("Error fetching")) {
        return new Unavailable("the token signing keys cannot be fetched now; retry");
      }
      if (m.startsWith("Could not find PublicKey") && refreshKeys()) {
        try {
          jws = verifier.verify(token);
        } catch (TokenVerifier.VerificationException again) {
          return denied(again);
        }
      } else {
        return denied(e);
      }
    } catch (RuntimeException e) {
      return new Denied("invalid", "the bearer token could not be verified");
    }
    return claims(jws.getPayload());
  }

  private static Denied denied(TokenVerifier.VerificationException e) {
    String m = String.valueOf(e.getMessage());
    if (m.startsWith("Token is expired")) {
      return new Denied("expired", "the token has expired");
    }
    if (m.startsWith("Unexpected signing algorithm")) {
      return new Denied("algorithm", "the token is not signed with RS256 or ES256");
    }
    if (m.startsWith("Could not find PublicKey")) {
      return new Denied("unknown_key", "the token is not signed by a known Google key");
    }
    return new Denied("signature", "the token signature is not valid");
  }

  private Result claims(JsonWebToken.Payload p) {
    long now = clock.millis() / 1000;
    if (p.getIssuer() == null || !GOOGLE_ISSUERS.contains(p.getIssuer())) {
      return new Denied("issuer", "the token was not issued by Google");
    }
    List<String> aud = p.getAudienceAsList();
    if (aud == null || !aud.contains(audience)) {
      return new Denied("audience", "the token is for another audience");
    }
    Long exp = p.getExpirationTimeSeconds();
    if (exp == null || exp <= now) {
      return new Denied("expired", "the token has expired or has no expiry");
    }
    Long iat = p.getIssuedAtTimeSeconds();
    if (iat == null || iat > now + MAX_SKEW.toSeconds()) {
      return new Denied("issued_at", "the token has no or a future issue time");
    }
    Long nbf = p.getNotBeforeTimeSeconds();
    if (nbf != null && nbf > now + MAX_SKEW.toSeconds()) {
      return new Denied("not_before", "the token is not valid yet");
    }
    Object email = p.get("email");
    Object verified = p.get("email_verified");
    if (!(email instanceof String e) || !emails.contains(e.toLowerCase(Locale.ROOT))) {
      return new Denied("email", "the token is not for the push subscription's service account");
    }
    if (!Boolean.TRUE.equals(verified) && !"true".equals(verified)) {
      return new Denied("email", "the token's email is not verified");
    }
    return new Allowed(e);
  }

  /** A fresh verifier (empty key cache), at most once per {@link #KEY_REFRESH_INTERVAL}; true when it was made. */
  private synchronized boolean refreshKeys() {
    if (clock.millis() - verifierBuiltAtMillis < KEY_REFRESH_INTERVAL.toMillis()) {
      return false;
    }
    verifier = newVerifier();
    return true;
  }

  private TokenVerifier newVerifier() {
    verifierBuiltAtMillis = clock.millis();
    // audience and issuer are checked here (two Google issuer spellings, audience lists), not by the verifier
    return TokenVerifier.newBuilder().setCertificatesLocation(certsUrl)
        .setClock(() -> clock.millis()).build();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What the endpoint logs at start (no secret). */
  String describe() {
    if (oidc()) {
      return "OIDC tokens for audience " + audience + " from " + emails
          + (sharedTokenDigest != null ? ", or the shared token" : "");
    }
    if (sharedTokenDigest != null) {
      return "the shared bearer token";
    }
    return insecure ? "no authentication (" + INSECURE + "=true)" : "no authentication";
  }
}
