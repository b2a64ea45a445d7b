package dev.whodrove.siem;

import dev.whodrove.schemas.v1.MergedVerdict;

/**
 * A change of one session's merged view, as the merge step hands it to the renderings.
 *
 * @param view the view after the change
 * @param findingActivity OCSF activity of the finding to render: {@link OcsfFinding#ACTIVITY_CREATE},
 *     {@link OcsfFinding#ACTIVITY_UPDATE}, or 0 for none
 */
record SiemUpdate(MergedVerdict view, int findingActivity) {}
