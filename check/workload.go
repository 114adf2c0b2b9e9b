package check

import "github.com/kubethreat/kubethreat/source"

// PodSpec is a pod spec inside an object, with the object it belongs to.
type PodSpec struct {
	Object *source.Object
	Spec   source.Value // the spec value, such as spec.template.spec
	Meta   source.Value // the pod template's metadata, or the Pod's own

	containers []Container // set by PodSpecs, shared by every check
}

// PodSpecs returns the pod specs an object carries: a Pod's spec, a
// PodTemplate's template, the template of a workload controller, or the job
// template of a CronJob. Unknown kinds count when they have
// spec.template.spec or spec.jobTemplate.spec.template.spec, so that
// OpenShift DeploymentConfigs and Argo Rollouts are covered.
func PodSpecs(o *source.Object) []PodSpec {
	return o.Memo(podSpecsKey{}, func() any {
		specs := findPodSpecs(o)
		for i := range specs {
			specs[i].containers = specs[i].findContainers()
		}
		return specs
	}).([]PodSpec)
}

type podSpecsKey struct{}

func findPodSpecs(o *source.Object) []PodSpec {
	switch o.Kind {
	case "Pod":
		return []PodSpec{{Object: o, Spec: o.Root().Field("spec"), Meta: o.Root().Field("metadata")}}
	case "PodTemplate":
		t := o.Root().Field("template")
		if t.Field("spec").Exists() {
			return []PodSpec{{Object: o, Spec: t.Field("spec"), Meta: t.Field("metadata")}}
		}
		return nil
	}
	spec := o.Root().Field("spec")
	if t := spec.Field("template"); t.Field("spec").IsMap() {
		return []PodSpec{{Object: o, Spec: t.Field("spec"), Meta: t.Field("metadata")}}
	}
	if t := spec.Field("jobTemplate").Field("spec").Field("template"); t.Field("spec").IsMap() {
		return []PodSpec{{Object: o, Spec: t.Field("spec"), Meta: t.Field("metadata")}}
	}
	return nil
}

// Container is one container of a pod spec.
type Container struct {
	Value source.Value
	Name  string
	Init  bool // an init container
	Ephem bool // an ephemeral container
}

// Containers returns the containers, init containers and ephemeral
// containers of a pod spec. The slice is shared: callers must not modify
// it.
func (p PodSpec) Containers() []Container {
	if p.containers != nil {
		return p.containers
	}
	return p.findContainers()
}

func (p PodSpec) findContainers() []Container {
	var out []Container
	for _, field := range []string{"initContainers", "containers", "ephemeralContainers"} {
		for _, c := range p.Spec.Field(field).Items() {
			out = append(out, Container{Value: c, Name: c.Field("name").Str(), Init: field == "initContainers", Ephem: field == "ephemeralContainers"})
		}
	}
	return out
}
