/* placeholder: being written */
typedef int team_placeholder_unused;
