// What the settings form says, and how a violation of the rules on
// signalbox.v1.StatusCheckSettings (from the WebAssembly validator or from
// the server) becomes one of those messages. The texts are GitLab's.

/** The user-facing texts of the status check form. */
export const messages = {
  nameTaken: "Name is already taken",
  urlTaken: "External API is already in use by another status check",
  urlInvalid: "Please provide a valid URL",
  nameMissing: "Please provide a name",
  branchesFailed: "Unable to fetch branches list, please close the form and try again",
  checksFailed: "Failed to load status checks",
} as const;

/** A broken rule, from either validator. */
export interface RuleViolation {
  field: string;
  rule: string;
  message: string;
}

/** Where an error is shown: next to a field, or for the whole form. */
export type FormField = "name" | "url" | "form";

/** At most one message per place. */
export type FormErrors = Partial<Record<FormField, string>>;

/**
 * Maps violations of the check being edited to the form's messages.
 *
 * prefix is the candidate's field path: "checks[2]." when the browser
 * validated the whole set of checks with the candidate last, "" for the
 * server's answer, whose paths are already relative to the candidate.
 * Violations of other checks are ignored, as the server ignores them.
 */
export function formErrors(violations: RuleViolation[], prefix: string): FormErrors {
  const out: FormErrors = {};
  const put = (where: FormField, text: string) => {
    out[where] ??= text;
  };
  for (const v of violations) {
    switch (v.rule) {
      case "status_check.name_taken":
        put("name", messages.nameTaken);
        continue;
      case "status_check.external_url_taken":
        put("url", messages.urlTaken);
        continue;
    }
    if (!v.field.startsWith(prefix) || (prefix === "" && v.field === "")) {
      if (prefix === "") put("form", v.message);
      continue;
    }
    const field = v.field.slice(prefix.length);
    if (field === "name") {
      put("name", v.rule === "status_check.name_blank" ? messages.nameMissing : v.message);
    } else if (field === "external_url") {
      put("url", messages.urlInvalid);
    } else {
      put("form", `${field}: ${v.message}`);
    }
  }
  return out;
}
