// Entry point of the pages the server serves (see server/web): the <body>
// says which page this is and for which project.
import "./styles.css";

import { renderMergeRequest } from "./merge_request.js";
import { start } from "./session.js";
import { renderSettings } from "./settings.js";

switch (document.body.dataset.page) {
  case "settings":
    start(renderSettings);
    break;
  case "merge_request":
    start(renderMergeRequest);
    break;
}
