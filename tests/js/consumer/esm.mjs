// Loads the package by name from the scratch project, as a Node ESM user would.
export * from "ciam-policy";
