// Package pod holds the checks of pod and container security settings that
// the Pod Security Standards govern: privileged mode, capabilities, host
// namespaces, the user a container runs as, seccomp, AppArmor, SELinux,
// /proc masking and sysctls. Each check names the Pod Security Standards
// level it breaks.
//
// Container settings override pod settings for runAsUser, runAsNonRoot,
// seccompProfile, appArmorProfile and seLinuxOptions, so the checks read the
// effective value of each container, init container and ephemeral
// container.
package pod
