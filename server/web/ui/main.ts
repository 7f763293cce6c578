// Entry point of the pages the server serves (see server/web): the <body>
// says which page this is and for which project.
import "./styles.css";

import { renderHome } from "./home.js";
import { renderMergeRequest } from "./merge_request.js";
import { renderMergeRequests } from "./merge_requests.js";
import { renderMergeTrain } from "./merge_train.js";
import { start } from "./session.js";
import { renderSettings } from "./settings.js";

switch (document.body.dataset.page) {
  case "home":
    start(renderHome);
    break;
  case "merge_requests":
    start(renderMergeRequests);
    break;
  case "merge_train":
    start(renderMergeTrain);
    break;
  case "settings":
    start(renderSettings);
    break;
  case "merge_request":
    start(renderMergeRequest);
    break;
}
