package dev.whodrove.classifier;

/** GCP principal typing of the study's {@code whodrove-gcp} CLI: case-sensitive, first match wins. */
public final class PrincipalType {
  public static final String USER = "user";
  public static final String SERVICE_ACCOUNT = "service-account";
  public static final String WORKFORCE_FEDERATION = "workforce-federation";
  public static final String WORKLOAD_FEDERATION = "workload-federation";
  public static final String GOOGLE_PERSONNEL = "google-personnel";
  public static final String UNKNOWN = "unknown";

  private PrincipalType() {}

  public static String of(String principal) {
    if (principal == null || principal.isEmpty()) {
      return UNKNOWN;
    }
    if (principal.endsWith(".iam.gserviceaccount.com")) {
      return SERVICE_ACCOUNT;
    }
    if (principal.startsWith("principal://") && principal.contains("/workforcePools/")) {
      return WORKFORCE_FEDERATION;
    }
    if (principal.startsWith("principal://") && principal.contains("/workloadIdentityPools/")) {
      return WORKLOAD_FEDERATION;
    }
    if (principal.endsWith("@google.com")) {
      return GOOGLE_PERSONNEL;
    }
    return USER;
  }

  /** Machine identities: their sessions go to the sa-only cohort. */
  public static boolean isMachine(String type) {
    return SERVICE_ACCOUNT.equals(type) || WORKLOAD_FEDERATION.equals(type);
  }
}
