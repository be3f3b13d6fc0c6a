// Loads the package by name from the scratch project, as a Node CommonJS user would.
module.exports = require("ciam-policy");
